"""``streamvis demo SCOPE PATH``: a producer of plausible training curves, through the public
``DataLogger`` API, exercising everything the server draws.

Every ``BLOCK`` steps: ``kldiv`` and ``cross_entropy`` take turns being written one scalar per
step and as one 1-D batch for the block, and ``enc_attn_entropy`` is written as a 2-D
``y[layer, point]`` batch (``LAYERS`` lines), matching the bundled demo schema.
"""

from __future__ import annotations

import argparse
import math
import signal
import time
from types import FrameType

import numpy as np

from streamvis.cli.progress import Progress
from streamvis.logger import DataLogger

__all__ = ["BLOCK", "LAYERS", "DemoCurves", "produce", "register", "run"]

BLOCK = 10
LAYERS = 6
POINTS_PER_STEP = 2 + LAYERS


class DemoCurves:
    """Noisy, decaying loss-like curves, reproducible from a seed."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def kldiv(self, step: int) -> float:
        decay = math.exp(-step / 250)
        noise = self._rng.normal(0.0, 0.06 * (0.4 + decay))
        return max(0.01, 0.35 + 3.0 * decay + noise)

    def cross_entropy(self, steps: np.ndarray) -> np.ndarray:
        base = 1.1 + 4.5 * np.exp(-steps / 400) + 0.4 * np.exp(-steps / 30)
        return base + self._rng.normal(0.0, 0.05, len(steps)) * (1 + np.exp(-steps / 200))

    def attention_entropy(self, steps: np.ndarray) -> np.ndarray:
        """Normalised entropy per encoder layer: shape ``(LAYERS, len(steps))``, float32."""
        layer = np.arange(LAYERS)[:, None]
        final = 0.25 + 0.1 * layer
        decay = np.exp(-steps[None, :] / (150.0 + 60.0 * layer))
        values = final + (0.97 - final) * decay
        values += self._rng.normal(0.0, 0.015, values.shape)
        return np.clip(values, 0.0, 1.0).astype(np.float32)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="write demo training curves to a log",
        description="Write the curves the bundled demo schema plots (kldiv, cross_entropy and "
                    f"a {LAYERS}-layer enc_attn_entropy) to PATH through DataLogger, showing "
                    "progress. Stop early with Ctrl-C; everything written so far is flushed.")
    parser.add_argument("scope", metavar="SCOPE", help="the run's name, e.g. run24")
    parser.add_argument("path", metavar="PATH", help="the log (local path, gs://, s3://, ...)")
    parser.add_argument("--steps", type=_non_negative_int, default=1000, metavar="N",
                        help="training steps to simulate (default 1000)")
    parser.add_argument("--interval", type=_non_negative_float, default=0.05, metavar="S",
                        help="seconds to wait between steps (default 0.05; 0 for no wait)")
    parser.add_argument("--replace", action="store_true",
                        help="first hide what SCOPE wrote to PATH before (a fresh run)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.set_defaults(func=run)


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}") from None
    if not value >= 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {text!r}")
    return value


def _write_block(logger: DataLogger, curves: DemoCurves, steps: list[int], block: int,
                 interval: float, progress: Progress | None) -> None:
    scalar_name, batch_name = (("kldiv", "cross_entropy") if block % 2 == 0
                               else ("cross_entropy", "kldiv"))
    xs = np.asarray(steps, dtype=np.int64)
    batch_values = (curves.cross_entropy(xs) if batch_name == "cross_entropy"
                    else np.array([curves.kldiv(s) for s in steps]))
    scalar_values = (np.array([curves.kldiv(s) for s in steps]) if scalar_name == "kldiv"
                     else curves.cross_entropy(xs))
    for step, value in zip(steps, scalar_values.tolist()):
        logger.write(scalar_name, x=step, y=value)  # 0-D: one point per call
        if progress is not None:
            progress.update(step + 1)
        if interval:
            time.sleep(interval)
    logger.write(batch_name, x=steps, y=batch_values)  # 1-D: a batch of points, one line
    logger.write("enc_attn_entropy", x=steps, y=curves.attention_entropy(xs))  # 2-D


def produce(scope: str, path: str, steps: int, interval: float = 0.0, replace: bool = False,
            seed: int = 0, progress: Progress | None = None) -> int:
    """Write ``steps`` steps of demo curves for ``scope`` to ``path``; returns points written.

    On ``KeyboardInterrupt`` the logger is closed (flushing what was written) and the
    interrupt propagates.
    """
    curves = DemoCurves(seed)
    config = {"seed": seed, "steps": steps, "layers": LAYERS, "model": "demo-transformer",
              "optimizer": {"name": "adam", "lr": 3e-4}}  # what a real run records
    logger = DataLogger(scope=scope).init(path=path, flush_interval=0.5, replace=replace,
                                          config=config)
    with logger:
        for block, start in enumerate(range(0, steps, BLOCK)):
            block_steps = list(range(start, min(start + BLOCK, steps)))
            _write_block(logger, curves, block_steps, block, interval, progress)
    return steps * POINTS_PER_STEP


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    # SIGTERM stops like Ctrl-C; SIGINT is set explicitly too (like 'serve' does), since a
    # shell that starts us in the background without job control leaves it ignored
    previous = {s: signal.signal(s, _raise_interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    progress = Progress(f"demo {args.scope}", args.steps)
    try:
        points = produce(args.scope, args.path, args.steps, args.interval, args.replace,
                         args.seed, progress)
    except KeyboardInterrupt:
        progress.finish(f"stopped; what was logged so far is flushed to {args.path}")
        return 130
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    progress.finish(f"wrote {points} points of scope {args.scope!r} "
                    f"({args.steps} steps) to {args.path}")
    return 0
