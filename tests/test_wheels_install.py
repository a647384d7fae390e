"""Build the four wheels from their pyproject.toml and install them into a fresh venv.

Proves the published artifacts (not the source tree) work: PEP 420 namespace intact, generated
data_pb2.py shipped, console script installed, and a venv with only streamvis-proto and
streamvis-logger has no bokeh/yaml/tensorflow/torch/jax. Every import runs from a cwd outside
the repository with no PYTHONPATH, so only the installed wheels can satisfy it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PACKAGES = Path(__file__).resolve().parents[1] / "packages"
NAMES = ["proto", "logger", "server", "cli"]
# the release's version, as its pyproject.toml files carry it (dev/set_version.py keeps them equal)
VERSION = tomllib.loads((PACKAGES / "streamvis-cli" / "pyproject.toml").read_text(
    encoding="utf-8"))["project"]["version"]
HEAVY = ["bokeh", "yaml", "tensorflow", "torch", "jax"]
HEAVY_DISTS = ["bokeh", "pyyaml", "tensorflow", "tensorflow-cpu", "torch", "jax", "jaxlib"]


def _run(cmd: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env = {k: v for k, v in env.items() if not k.startswith(("PEX_", "VIRTUAL_ENV"))}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (
        f"{cmd} failed with exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    return proc.stdout


def _py(venv: Path, code: str, cwd: Path) -> str:
    return _run([str(venv / "bin" / "python"), "-c", textwrap.dedent(code)], cwd)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path], Path]:
    """A fresh venv plus the four wheels built with its pip (pip wheel --no-deps, isolated)."""
    if not (PACKAGES / "streamvis-proto" / "pyproject.toml").is_file():
        pytest.fail(f"no pyproject.toml under {PACKAGES}; expected the four package projects")
    root = tmp_path_factory.mktemp("wheels")
    base = getattr(sys, "_base_executable", sys.executable)
    venv = root / "venv"
    _run([base, "-m", "venv", str(venv)], root)
    out = root / "dist"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    projects = [str(PACKAGES / f"streamvis-{n}") for n in NAMES]
    _run([*pip, "wheel", "--no-deps", "-w", str(out), *projects], root)
    wheels = {}
    for n in NAMES:
        found = sorted(out.glob(f"streamvis_{n}-{VERSION}-*.whl"))
        assert len(found) == 1, f"expected one streamvis_{n} {VERSION} wheel in {out}, got {found}"
        wheels[n] = found[0]
    return venv, wheels, root


def test_wheel_contents_are_pep420_and_ship_generated_code(built) -> None:
    _, wheels, _ = built
    for n, whl in wheels.items():
        names = zipfile.ZipFile(whl).namelist()
        assert "streamvis/__init__.py" not in names, f"{whl.name} breaks the PEP 420 namespace"
        assert f"streamvis/{n}/__init__.py" in names, f"{whl.name} lacks streamvis/{n}"
        assert not [m for m in names if m.endswith("/BUILD")], f"{whl.name} ships Pants BUILD files"
    proto = zipfile.ZipFile(wheels["proto"]).namelist()
    assert "streamvis/proto/data_pb2.py" in proto, f"generated code missing from {proto}"


def test_proto_and_logger_alone_pull_in_no_viewer_or_ml_stack(built) -> None:
    venv, wheels, root = built
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "install", str(wheels["proto"]), str(wheels["logger"])], root)
    report = json.loads(_py(venv, f"""
        import json, sys
        from importlib import metadata
        import streamvis.logger
        from streamvis.logger import DataLogger
        reqs = {{d: metadata.requires(d) or [] for d in ("streamvis-proto", "streamvis-logger")}}
        dists = sorted(d.metadata["Name"].lower() for d in metadata.distributions())
        loaded = [m for m in {HEAVY!r} if m in sys.modules]
        print(json.dumps({{"reqs": reqs, "dists": dists, "loaded": loaded,
                           "logger": streamvis.logger.__file__}}))
    """, root))
    assert report["loaded"] == [], f"import streamvis.logger loaded {report['loaded']}"
    assert str(venv) in report["logger"], f"streamvis.logger came from {report['logger']}"
    installed_heavy = [d for d in report["dists"] if d in HEAVY_DISTS]
    assert installed_heavy == [], f"proto+logger venv has {installed_heavy}: {report['dists']}"
    for dist, reqs in report["reqs"].items():
        hard = [r for r in reqs if "extra ==" not in r]
        bad = [r for r in hard if re.match(r"[A-Za-z0-9._-]+", r)[0].lower() in HEAVY_DISTS]
        assert bad == [], f"{dist} requires {bad} (all: {reqs})"


def test_all_four_wheels_work_from_a_fresh_venv(built) -> None:
    venv, wheels, root = built
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "install", *(str(w) for w in wheels.values())], root)
    report = json.loads(_py(venv, """
        import json
        import streamvis, streamvis.server
        from streamvis.logger import DataLogger
        from streamvis.proto import FrameDecoder, Record
        from streamvis.proto import data_pb2
        print(json.dumps({"path": [str(p) for p in streamvis.__path__],
                          "path_type": type(streamvis.__path__).__name__,
                          "file": getattr(streamvis, "__file__", None),
                          "modules": [m.__file__ for m in (streamvis.server, data_pb2)],
                          "record": Record.DESCRIPTOR.full_name,
                          "names": [DataLogger.__name__, FrameDecoder.__name__]}))
    """, root))
    assert report["path_type"] == "_NamespacePath", f"streamvis is not a namespace: {report}"
    assert report["file"] is None, f"streamvis has an __init__: {report['file']}"
    for path in [*report["path"], *report["modules"]]:
        assert path.startswith(str(venv)), f"{path} is not from the installed wheels"
    assert report["record"].endswith("Record")
    version = _run([str(venv / "bin" / "streamvis"), "--version"], root).strip()
    assert version == f"streamvis {VERSION}", f"streamvis --version printed {version!r}"
