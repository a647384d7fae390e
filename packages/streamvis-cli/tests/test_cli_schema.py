"""``streamvis schema``: a loadable schema from a real log, the demo schema, and the error for
a missing SCHEMA file that says how to get one."""

from __future__ import annotations

import numpy as np
import pytest

from streamvis.cli.main import main
from streamvis.logger import DataLogger
from streamvis.server import demo_schema_path, load_schema


@pytest.fixture
def log(tmp_path) -> str:
    path = str(tmp_path / "train.log")
    with DataLogger("run1") as logger:
        logger.init(path)
        logger.write("loss", x=1, y=0.5)
        logger.write("attn", x=[1, 2], y=np.ones((3, 2)))
        logger.write("lr;warm up", step=1, value=0.1)    # other field names, unsafe name
        logger.write("loss/eval", x=1, y=0.7)
        logger.write("only_one", v=1.0)                 # nothing to plot against
    return path


def test_schema_from_a_log_loads_and_matches_its_metrics(log, tmp_path, capsys):
    assert main(["schema", log]) == 0
    text = capsys.readouterr().out
    out = tmp_path / "schema.yaml"
    out.write_text(text)
    schema = load_schema(str(out))
    assert schema.names == ["loss", "attn", "lr_warm_up", "loss/eval"]
    assert schema.figures["lr_warm_up"].columns == ("step", "value")
    assert schema.figures["attn"].columns == ("x", "y")
    assert schema.figures["loss"].matches("any-run", "loss")
    assert not schema.figures["loss"].matches("run1", "loss/eval")
    assert schema.figures["lr_warm_up"].matches("run1", "lr;warm up")
    assert "# Left out (fewer than two fields): only_one" in text


def test_demo_schema_is_printed(capsys):
    assert main(["schema", "--demo"]) == 0
    with open(demo_schema_path(), encoding="utf-8") as f:
        assert capsys.readouterr().out == f.read()


def test_schema_needs_path_or_demo(capsys):
    with pytest.raises(SystemExit) as info:
        main(["schema"])
    assert info.value.code == 2
    assert "one of the arguments PATH --demo is required" in capsys.readouterr().err


def test_missing_schema_file_says_how_to_get_one(log, tmp_path, capsys):
    missing = str(tmp_path / "data" / "demo.yaml")
    assert main(["serve", "0", missing, log]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"streamvis: error: schema file {missing!r} does not exist; write one with "
                   f"'streamvis schema PATH > {missing}' (one figure per metric in the log) or "
                   f"start from the demo: 'streamvis schema --demo > {missing}'")
