"""The checked-in data.proto and the importable streamvis.proto.data_pb2 are in sync.

``data_pb2.py`` is generated (hatch build hook on the pip path, Pants' protobuf codegen under
Pants) and gitignored, so a stale copy would silently disagree with ``data.proto``. This test
regenerates it with grpc_tools.protoc (the pinned generator) and compares the sources.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

import streamvis.proto
from streamvis.proto import data_pb2

pytest.importorskip("grpc_tools.protoc", reason="needs grpcio-tools (the pinned protoc)")

PROTO_REL = Path("streamvis/proto/data.proto")


def _checked_in_proto() -> Path:
    """data.proto as shipped next to the streamvis.proto modules (source tree or package data)."""
    path = Path(str(files("streamvis.proto") / "data.proto"))
    if not path.is_file():
        pytest.fail(f"data.proto not found next to streamvis.proto at {path}; expected the "
                    "package to ship its .proto (pyproject artifacts / Pants resource target)")
    return path


def _regenerate(proto: Path, tmp_path: Path) -> str:
    src = tmp_path / "src"
    (src / PROTO_REL).parent.mkdir(parents=True)
    shutil.copyfile(proto, src / PROTO_REL)
    out = tmp_path / "out"
    out.mkdir()
    include = files("grpc_tools") / "_proto"
    # a child process: protoc's C++ runtime in a process that already loaded torch, TensorFlow
    # and upb (as the whole suite does) crashed with SIGSEGV
    done = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{src}", f"-I{include}",
                           f"--python_out={out}", str(PROTO_REL)], capture_output=True, text=True)
    assert done.returncode == 0, (f"grpc_tools.protoc failed (exit {done.returncode}) on {proto}:"
                                  f" {done.stderr}")
    return (out / PROTO_REL.with_name("data_pb2.py")).read_text()


def test_generated_module_matches_checked_in_proto(tmp_path: Path) -> None:
    proto = _checked_in_proto()
    expected = _regenerate(proto, tmp_path)
    actual = Path(data_pb2.__file__).read_text()
    assert actual == expected, (
        f"{data_pb2.__file__} is stale: regenerate it from {proto} (pip path: reinstall "
        "packages/streamvis-proto; Pants regenerates it automatically)"
    )


def test_proto_descriptor_names_the_checked_in_file() -> None:
    assert data_pb2.DESCRIPTOR.name == PROTO_REL.as_posix()
    # The generated module lives inside the streamvis.proto package, not a stray copy.
    assert Path(data_pb2.__file__).parent in {Path(p) for p in streamvis.proto.__path__}
