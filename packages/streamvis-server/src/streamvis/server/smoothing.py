"""Exponential moving average in numpy, resumable, without a Python loop per point."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ema"]

_MAX_CHUNK = 8192


def ema(y: np.ndarray, alpha: float, init: float | None = None) -> tuple[np.ndarray, float | None]:
    """``s[t] = alpha * s[t-1] + (1 - alpha) * y[t]``, starting from ``init`` (or ``y[0]``).

    ``alpha`` in [0, 1): 0 returns ``y``. NaN inputs give NaN outputs and leave the state
    unchanged. Returns the smoothed float64 array and the state after the last point, to pass
    as ``init`` when more points arrive.
    """
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"smoothing alpha {alpha!r} must be in [0, 1)")
    y = np.asarray(y, dtype=np.float64)
    out = np.full(len(y), np.nan)
    ok = ~np.isnan(y)
    vals = y[ok]
    if len(vals) == 0:
        return out, init
    if alpha == 0.0:
        out[ok] = vals
        return out, float(vals[-1])
    state = float(vals[0]) if init is None or not math.isfinite(init) else float(init)
    # within a chunk: s_t = a^(t+1) s + (1-a) a^t cumsum(y_j a^-j); a^-k must stay finite
    k = max(1, min(_MAX_CHUNK, int(600.0 / -math.log(alpha))))
    res = np.empty(len(vals))
    t = np.arange(k, dtype=np.float64)
    pow_t = alpha ** t
    inv = alpha ** -t
    for lo in range(0, len(vals), k):
        chunk = vals[lo:lo + k]
        n = len(chunk)
        part = pow_t[:n] * (alpha * state + (1.0 - alpha) * np.cumsum(chunk * inv[:n]))
        res[lo:lo + n] = part
        state = float(part[-1])
    out[ok] = res
    return out, state
