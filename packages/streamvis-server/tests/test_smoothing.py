"""smoothing.ema against its definition computed point by point (a plain loop)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from streamvis.server.smoothing import ema


def reference(y: np.ndarray, alpha: float, init: float | None = None) -> tuple[list, float | None]:
    out, state = [], init
    for v in y:
        if math.isnan(v):
            out.append(math.nan)
            continue
        state = v if state is None or not math.isfinite(state) else state
        state = alpha * state + (1 - alpha) * v
        out.append(state)
    return out, state


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9, 0.99, 0.999])
@pytest.mark.parametrize("n", [1, 7, 5000])  # 5000 spans several internal chunks
def test_matches_the_definition(alpha, n):
    y = np.random.default_rng(n).normal(size=n).cumsum()
    got, state = ema(y, alpha)
    want, want_state = reference(y, alpha)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    assert state == pytest.approx(want_state, rel=1e-9, abs=1e-9)


def test_resumes_where_it_stopped():
    y = np.random.default_rng(1).normal(size=3000)
    whole, end = ema(y, 0.95)
    first, mid = ema(y[:1234], 0.95)
    rest, end2 = ema(y[1234:], 0.95, init=mid)
    np.testing.assert_allclose(np.concatenate([first, rest]), whole, rtol=1e-12)
    assert end2 == pytest.approx(end, rel=1e-12)


def test_nan_in_nan_out_and_state_kept():
    y = np.array([1.0, np.nan, 3.0, np.nan])
    got, state = ema(y, 0.5)
    want, want_state = reference(y, 0.5)
    np.testing.assert_allclose(got, want)
    assert state == want_state == 2.0
    all_nan, kept = ema(np.array([np.nan, np.nan]), 0.5, init=4.0)
    assert np.isnan(all_nan).all() and kept == 4.0


def test_alpha_zero_is_identity_and_edges():
    y = np.array([3, 1, 2], dtype=np.int64)
    got, state = ema(y, 0.0)
    assert got.dtype == np.float64 and got.tolist() == [3.0, 1.0, 2.0] and state == 2.0
    assert ema(np.array([]), 0.5, init=1.5)[1] == 1.5
    got, _ = ema(np.array([2.0, 4.0]), 0.5, init=math.inf)  # a non-finite init restarts
    assert got.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 2.0, math.nan])
def test_alpha_out_of_range(alpha):
    with pytest.raises(ValueError, match="smoothing alpha"):
        ema(np.ones(3), alpha)
