"""The checked-in data.proto and the importable streamvis.proto.data_pb2 are in sync, and that
module runs on the oldest protobuf runtime the package supports.

``data_pb2.py`` is generated (hatch build hook on the pip path, Pants' protobuf codegen under
Pants) and gitignored, so a stale copy would silently disagree with ``data.proto``. This test
compiles ``data.proto`` again with grpc_tools.protoc (whichever version is installed: the schema a
protoc reads does not depend on its version) and compares the FileDescriptorProto with the one
embedded in the module. The module itself must come from the pinned generator (grpcio-tools in
packages/streamvis-proto/pyproject.toml): its gencode version must not be newer than the
``protobuf>=`` floor, or it refuses that runtime at import.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

import streamvis.proto
from streamvis.proto import data_pb2

PROTO_REL = Path("streamvis/proto/data.proto")
PYPROJECT = Path(__file__).resolve().parents[1] / "packages" / "streamvis-proto" / "pyproject.toml"


def _checked_in_proto() -> Path:
    """data.proto as shipped next to the streamvis.proto modules (source tree or package data)."""
    path = Path(str(files("streamvis.proto") / "data.proto"))
    if not path.is_file():
        pytest.fail(f"data.proto not found next to streamvis.proto at {path}; expected the "
                    "package to ship its .proto (pyproject artifacts / Pants resource target)")
    return path


def _without_json_names(proto: descriptor_pb2.FileDescriptorProto) -> bytes:
    """The descriptor without json_name: protoc's descriptor sets fill it in, gencode leaves the
    derived default out."""
    def strip(messages) -> None:
        for message in messages:
            for field in message.field:
                field.ClearField("json_name")
            strip(message.nested_type)
    strip(proto.message_type)
    return proto.SerializeToString(deterministic=True)


def _compile(proto: Path, tmp_path: Path) -> descriptor_pb2.FileDescriptorProto:
    pytest.importorskip("grpc_tools.protoc", reason="needs grpcio-tools (a protoc)")
    include = files("grpc_tools") / "_proto"
    out = tmp_path / "data.desc"
    # a child process: protoc's C++ runtime in a process that already loaded torch, TensorFlow
    # and upb (as the whole suite does) crashed with SIGSEGV
    done = subprocess.run([sys.executable, "-m", "grpc_tools.protoc",
                           f"-I{proto.parents[len(PROTO_REL.parts) - 1]}", f"-I{include}",
                           f"--descriptor_set_out={out}", str(PROTO_REL)],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 0, (f"grpc_tools.protoc failed (exit {done.returncode}) on {proto}:"
                                  f" {done.stderr}")
    files_ = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    assert [f.name for f in files_] == [PROTO_REL.as_posix()]
    return files_[0]


def _protobuf_floor() -> tuple[int, ...]:
    """The X.Y.Z of ``protobuf>=X.Y.Z`` in streamvis-proto's dependencies."""
    if not PYPROJECT.is_file():
        pytest.fail(f"{PYPROJECT} not found (Pants: tests/BUILD must depend on its files target)")
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    floors = [m.group(1) for d in deps if (m := re.match(r"protobuf\s*>=\s*([\d.]+)", d))]
    assert floors, f"no 'protobuf>=X.Y.Z' in {PYPROJECT} dependencies {deps}"
    return tuple(int(p) for p in floors[0].split("."))


def _gencode_version() -> tuple[int, ...]:
    text = Path(data_pb2.__file__).read_text()
    stamp = re.search(r"^# Protobuf Python Version: (\d+)\.(\d+)\.(\d+)", text, re.MULTILINE)
    assert stamp, f"{data_pb2.__file__} has no '# Protobuf Python Version' line"
    return tuple(int(g) for g in stamp.groups())


def test_generated_module_matches_checked_in_proto(tmp_path: Path) -> None:
    proto = _checked_in_proto()
    expected = _compile(proto, tmp_path)
    actual = descriptor_pb2.FileDescriptorProto.FromString(data_pb2.DESCRIPTOR.serialized_pb)
    assert _without_json_names(actual) == _without_json_names(expected), (
        f"{data_pb2.__file__} is stale: regenerate it from {proto} (pip path: reinstall "
        "packages/streamvis-proto; Pants regenerates it automatically)"
    )


def test_generated_module_accepts_the_oldest_supported_runtime() -> None:
    floor, gencode = _protobuf_floor(), _gencode_version()
    assert gencode <= floor, (
        f"{data_pb2.__file__} is gencode {'.'.join(map(str, gencode))}, newer than the oldest "
        f"supported runtime (protobuf>={'.'.join(map(str, floor))} in {PYPROJECT.name}): it "
        "refuses that runtime at import. Generate it with the grpcio-tools pinned in the "
        "pyproject's [build-system] requires (pip install -e packages/streamvis-proto, or "
        "dev/worktree-env.sh)"
    )


def test_proto_descriptor_names_the_checked_in_file() -> None:
    assert data_pb2.DESCRIPTOR.name == PROTO_REL.as_posix()
    # The generated module lives inside the streamvis.proto package, not a stray copy.
    assert Path(data_pb2.__file__).parent in {Path(p) for p in streamvis.proto.__path__}
