"""``DataLogger.init`` refuses to append to a log of the original streamvis, untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streamvis.logger import DataLogger, LegacyLogError, StorageError

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "legacy"


def test_init_on_a_seed_log_names_the_format_and_convert(tmp_path: Path) -> None:
    path = tmp_path / "old.svlog"
    shutil.copy(FIXTURES / "seed_e18e0a6.svlog", path)
    before = path.read_bytes()
    logger = DataLogger("run26")
    with pytest.raises(LegacyLogError, match=r"seed format.*streamvis convert") as err:
        logger.init(str(path))
    assert isinstance(err.value, StorageError)
    with pytest.raises(RuntimeError, match="before init"):
        logger.write("loss", x=1, y=2)
    assert path.read_bytes() == before


@pytest.mark.parametrize("suffix", ["", ".idx", ".log"])
def test_init_on_a_v1_pair_is_refused_under_every_name(tmp_path: Path, suffix: str) -> None:
    for ext in (".idx", ".log"):
        shutil.copy(FIXTURES / ("v1_ddb3f0c" + ext), tmp_path / ("v1" + ext))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(LegacyLogError, match=r"v1\.0 format.*streamvis convert"):
        DataLogger("run26").init(str(tmp_path / "v1") + suffix)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
