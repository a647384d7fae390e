"""The training loop of bench_train.py, all logging variants in ONE process, interleaved in
blocks of ``--steps`` (none, streamvis with 0-d tensors, streamvis with ``.item()`` floats,
``.item()`` alone), so machine load and CPU frequency hit every variant alike. Complements
bench_train.py (one process per variant, tensorboardX included).

Usage: ``.venv/bin/python bench/bench_train_inprocess.py [--steps 3000] [--rounds 6]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

VARIANTS = ("none", "streamvis, 0-d tensors", "streamvis, .item() floats", ".item() alone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    import torch

    from streamvis.logger import DataLogger

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 1))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x, y = torch.randn(32, 64), torch.randn(32, 1)
    params = list(model.parameters())
    with tempfile.TemporaryDirectory() as folder:
        logger = DataLogger("run").init(os.path.join(folder, "log"))
        write = logger.write

        def step(i: int, variant: int) -> None:
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(params, 1e9)
            opt.step()
            value = loss.detach()
            if variant == 1:
                write("loss", x=i, y=value)
                write("grad_norm", x=i, y=norm)
            elif variant == 2:
                write("loss", x=i, y=value.item())
                write("grad_norm", x=i, y=norm.item())
            elif variant == 3:
                value.item()
                norm.item()

        for i in range(1000):  # warm up, every variant's code included
            step(i, i % 4)
        got: dict[int, list[float]] = {v: [] for v in range(len(VARIANTS))}
        for _ in range(args.rounds):
            for variant in got:
                t = time.perf_counter()
                for i in range(args.steps):
                    step(i, variant)
                got[variant].append((time.perf_counter() - t) / args.steps * 1e6)
        logger.close()
    floor = min(got[0])
    print(f"| variant | us/step min (median) of {args.rounds} | overhead vs none (minima) |")
    print("|---|---|---|")
    for variant, times in got.items():
        print(f"| {VARIANTS[variant]} | {min(times):.1f} ({statistics.median(times):.1f}) | "
              f"{(min(times) / floor - 1) * 100:+.1f} % |")


if __name__ == "__main__":
    main()
