"""Does logging a device loss every step slow training? steps/s of a small torch loop.

Three variants of the same training loop, in one run, on ``--device`` (default ``cuda``):

- no logging;
- ``DataLogger.write("loss", x=step, y=loss)`` every step: ``write`` captures the tensor on the
  device (``detach().clone()``) and the background worker copies it to the host, so the loop
  should not wait for the GPU;
- tensorboardX ``add_scalar("loss", loss.item(), step)`` every step: ``.item()`` makes the
  host wait for the device each step.

Each variant runs ``--steps`` steps after ``--warmup`` steps, ``--repeat`` times; the median
steps/s is printed with the ratio to no logging. Each logging run reads back its log and checks
that every step was logged. Without CUDA (and no ``--device``) it exits with a message.
Usage: ``.venv/bin/python bench/bench_cuda_logging.py [--device cuda|cpu]``.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, environment, median_of, print_table  # noqa: E402

from streamvis.logger import DataLogger, read_log  # noqa: E402
from streamvis.proto import FrameDecoder  # noqa: E402


def make_model(torch, device: str, width: int):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, 1),
    ).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    data = torch.randn(256, width, device=device)
    target = torch.randn(256, 1, device=device)
    return model, opt, data, target


def train(torch, device: str, width: int, steps: int, warmup: int,
          log: Callable[[int, object], None] | None) -> float:
    """Steps per second of ``steps`` training steps, logging the loss with ``log`` each step."""
    model, opt, data, target = make_model(torch, device, width)
    loss_fn = torch.nn.functional.mse_loss

    def step(i: int) -> None:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(data), target)
        loss.backward()
        opt.step()
        if log is not None:
            log(i, loss)

    for i in range(warmup):
        step(i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(warmup, warmup + steps):
        step(i)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - start)


def run_streamvis(torch, args: argparse.Namespace, workdir: str, run: int) -> float:
    path = os.path.join(workdir, f"sv-{run}")
    logger = DataLogger(scope="cuda-bench").init(path=path)
    rate = train(torch, args.device, args.width, args.steps, args.warmup,
                 lambda i, loss: logger.write("loss", x=i, y=loss))
    logger.close()
    series = read_log(path)
    total = args.steps + args.warmup
    check(len(series) == 1 and len(series[0]) == total,
          f"{path}: expected {total} logged steps, got {[len(s) for s in series]}")
    y = series[0].columns["y"]
    check(y.dtype == np.float32 and bool(np.all(np.isfinite(y))), f"{path}: bad loss values")
    check(np.array_equal(series[0].columns["x"], np.arange(total)), f"{path}: steps out of order")
    return rate


def run_tensorboardx(torch, args: argparse.Namespace, workdir: str, run: int) -> float:
    from tensorboardX import SummaryWriter
    from tensorboardX.proto.event_pb2 import Event

    logdir = os.path.join(workdir, f"tbx-{run}")
    writer = SummaryWriter(logdir=logdir)
    rate = train(torch, args.device, args.width, args.steps, args.warmup,
                 lambda i, loss: writer.add_scalar("loss", loss.item(), i))
    writer.close()
    (events_file,) = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    with open(events_file, "rb") as f:
        events = [Event.FromString(bytes(p)) for p in FrameDecoder().feed(f.read())]
    steps = [e.step for e in events if e.HasField("summary")]
    total = args.steps + args.warmup
    check(steps == list(range(total)), f"{events_file}: {len(steps)} steps logged, expected {total}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import torch

    if args.device is None:
        if not torch.cuda.is_available():
            sys.exit("bench_cuda_logging: no CUDA device here (torch.cuda.is_available() is "
                     "False); run on a GPU machine, or pass --device cpu to check the script")
        args.device = "cuda"
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit(f"bench_cuda_logging: --device {args.device!r} asked for, but torch "
                 f"{torch.__version__} sees no CUDA device")
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    print("bench_cuda_logging:", environment(["torch", "tensorboardX"]))
    print(f"device: {args.device} ({name}); {args.steps} steps after {args.warmup} warm-up, "
          f"MLP width {args.width}, batch 256, median of {args.repeat}")

    variants = {
        "no logging": lambda wd, r: train(torch, args.device, args.width, args.steps,
                                          args.warmup, None),
        "streamvis write(loss tensor)": lambda wd, r: run_streamvis(torch, args, wd, r),
        "tensorboardX add_scalar(loss.item())": lambda wd, r: run_tensorboardx(torch, args, wd, r),
    }
    rates: dict[str, list[float]] = {k: [] for k in variants}
    with tempfile.TemporaryDirectory() as workdir:
        for run in range(args.repeat):  # interleave variants so load drifts hit all alike
            for label, fn in variants.items():
                rates[label].append(fn(workdir, run))
    base = median_of(rates["no logging"])
    print(f"\n### Training steps/s on {args.device} ({name})\n")
    print_table(["variant", "steps/s (median)", "vs no logging"],
                [[k, f"{median_of(v):,.0f}", f"{median_of(v) / base:.3f}"] for k, v in rates.items()])
    print("\nall self-checks passed")


if __name__ == "__main__":
    main()
