"""A real training loop with and without logging: a small PyTorch MLP trained on the CPU (one
thread), logging its loss and gradient norm as 0-d tensors every step.

Variants, interleaved in one run (the order rotates each round), each a fresh child process
timing ``--steps`` steps after ``--warmup``:
- none: no logging (the floor);
- streamvis: ``DataLogger.write("loss", x=step, y=loss)`` with the tensors as they are;
- tensorboardX: ``SummaryWriter.add_scalar("loss", loss.item(), step)``.
Prints the median step time of each and the overhead over the floor (target for streamvis:
at most 5 %). ``--baseline SRC`` adds streamvis from another checkout (its packages/*/src on
PYTHONPATH) as a fourth variant, for before/after. Usage:
``.venv/bin/python bench/bench_train.py [--steps 20000] [--repeat 5] [--baseline SRC]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, os, sys, time
import torch
torch.set_num_threads(1)
torch.manual_seed(0)
variant, folder, steps, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
variant = variant.split("@")[0]
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 1))
opt = torch.optim.SGD(model.parameters(), lr=1e-3)
x, y = torch.randn(32, 64), torch.randn(32, 1)
params = list(model.parameters())
if variant == "streamvis":
    from streamvis.logger import DataLogger
    logger = DataLogger("run").init(os.path.join(folder, "log"))
    def log(step, loss, norm):
        logger.write("loss", x=step, y=loss)
        logger.write("grad_norm", x=step, y=norm)
    def done():
        logger.close()
elif variant == "tensorboardX":
    from tensorboardX import SummaryWriter
    writer = SummaryWriter(folder)
    def log(step, loss, norm):
        writer.add_scalar("loss", loss.item(), step)
        writer.add_scalar("grad_norm", norm.item(), step)
    def done():
        writer.close()
else:
    def log(step, loss, norm):
        pass
    def done():
        pass
def step(i):
    opt.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(params, 1e9)
    opt.step()
    log(i, loss.detach(), norm)
for i in range(warmup):
    step(i)
t = time.perf_counter()
for i in range(warmup, warmup + steps):
    step(i)
done()
print(json.dumps({"us_per_step": (time.perf_counter() - t) / steps * 1e6}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", metavar="SRC", help="another checkout's streamvis too")
    args = parser.parse_args()
    variants = ["none", "streamvis", "tensorboardX"]
    if args.baseline:
        variants.append("streamvis@baseline")
    got: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(args.repeat):
        k = r % len(variants)
        for variant in variants[k:] + variants[:k]:  # rotate: no variant always first
            env = dict(os.environ)
            if variant.endswith("@baseline"):
                env["PYTHONPATH"] = ":".join(f"{args.baseline}/packages/streamvis-{p}/src"
                                             for p in ("proto", "logger"))
            with tempfile.TemporaryDirectory() as folder:
                out = subprocess.run([sys.executable, "-c", CHILD, variant, folder,
                                      str(args.steps), str(args.warmup)], env=env,
                                     check=True, capture_output=True, text=True).stdout
            got[variant].append(json.loads(out)["us_per_step"])
    floor, floor_min = statistics.median(got["none"]), min(got["none"])
    print(f"| logging | us/step (median, min..max of {args.repeat}) | overhead vs none "
          "(medians) | overhead vs none (minima) |")
    print("|---|---|---|---|")
    for variant, times in got.items():
        med = statistics.median(times)
        print(f"| {variant} | {med:.1f} ({min(times):.1f}..{max(times):.1f}) | "
              f"{(med / floor - 1) * 100:+.1f} % | {(min(times) / floor_min - 1) * 100:+.1f} % |")


if __name__ == "__main__":
    main()
