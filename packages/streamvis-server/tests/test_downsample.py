"""downsample: M4 keeps every bucket's first, last, min and max (numpy path and tsdownsample),
NaN handling, bucketing by x or by count, windows; checked against per-bucket scans."""

from __future__ import annotations

import numpy as np
import pytest

from streamvis.server.downsample import bucket_bounds, minmax_indices, window


def check_m4(x, y, n_buckets, picked):
    """Every bucket of ``bucket_bounds`` has its first, last, and its extreme values among the
    picked points; picks are sorted, unique, in range and at most 4 per bucket."""
    picked = np.asarray(picked)
    assert picked.dtype == np.int64 and np.all(np.diff(picked) > 0)
    assert len(picked) <= 4 * n_buckets and picked[0] >= 0 and picked[-1] < len(y)
    chosen = set(picked.tolist())
    bounds = bucket_bounds(x, len(y), n_buckets)
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if e <= s:
            continue
        assert s in chosen and e - 1 in chosen
        seg = y[s:e]
        kept = [y[i] for i in range(s, e) if i in chosen]
        if np.isnan(seg).all():
            continue
        assert np.nanmin(seg) in kept and np.nanmax(seg) in kept


@pytest.mark.parametrize("with_x", [True, False])
def test_numpy_path_keeps_every_bucket_extreme(with_x):
    rng = np.random.default_rng(3)
    y = rng.normal(size=10_000)
    x = np.sort(rng.uniform(0, 100, size=10_000)) if with_x else None
    picked = minmax_indices(x, y, 50, backend="numpy")
    check_m4(x, y, 50, picked)
    assert len(picked) > 150  # it did downsample, and kept ~4 per bucket


def test_spike_survives_both_backends():
    y = np.zeros(200_000)
    y[123_457] = 1e9
    y[77_777] = -5e8
    x = np.arange(len(y), dtype=np.float64)
    for backend in ("numpy", "tsdownsample", "auto"):
        picked = minmax_indices(x, y, 400, backend=backend)
        assert {123_457, 77_777, 0, len(y) - 1} <= set(picked.tolist()), backend
        assert len(picked) <= 1600


def test_tsdownsample_and_numpy_agree_on_extremes():
    rng = np.random.default_rng(5)
    y = rng.normal(size=100_000).cumsum()
    x = np.arange(len(y))
    fast = minmax_indices(x, y, 256, backend="tsdownsample")
    slow = minmax_indices(x, y, 256, backend="numpy")
    assert y[fast].max() == y[slow].max() == y.max()
    assert y[fast].min() == y[slow].min() == y.min()


def test_nan_is_ignored_for_extremes_and_gaps_stay():
    y = np.arange(1000, dtype=np.float64)
    y[100:200] = np.nan            # one whole bucket of NaN (buckets of 100 points)
    y[305] = np.nan
    y[350] = 1e6
    picked = minmax_indices(None, y, 10)
    check_m4(None, y, 10, picked)
    assert {100, 199, 350} <= set(picked.tolist())
    with pytest.raises(ValueError, match="NaN-free"):
        minmax_indices(None, y, 10, backend="tsdownsample")


def test_short_lines_are_kept_whole_and_bad_arguments_named():
    assert minmax_indices(None, np.ones(40), 10).tolist() == list(range(40))
    with pytest.raises(ValueError, match="n_buckets must be a positive int, got 0"):
        minmax_indices(None, np.ones(5), 0)
    with pytest.raises(ValueError, match="backend must be"):
        minmax_indices(None, np.ones(5), 1, backend="rust")
    with pytest.raises(ValueError, match="x has 4 points but y has 5"):
        minmax_indices(np.ones(4), np.ones(5), 1)


def test_bucket_bounds_by_x_and_by_count():
    x = np.array([0.0, 1, 2, 3, 9, 10])
    assert bucket_bounds(x, 6, 2).tolist() == [0, 4, 6]  # edge at 5.0
    assert bucket_bounds(None, 10, 3).tolist() == [0, 3, 6, 10]
    assert bucket_bounds(np.full(6, 2.0), 6, 2).tolist() == [0, 3, 6]  # unusable x: counts
    assert bucket_bounds(np.array([0.0, np.inf]), 2, 2).tolist() == [0, 1, 2]


def test_window_has_one_point_of_margin():
    x = np.arange(10.0)
    assert window(x, 3, 5) == (2, 7)
    assert window(x, 5, 3) == (2, 7)
    assert window(x, -10, 100) == (0, 10)
    assert window(x, 20, 30) == (9, 10)
