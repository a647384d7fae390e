"""Hatch build hook: generate ``*_pb2.py`` from the ``.proto`` files at build time.

The generator is the grpcio-tools pinned in ``[build-system] requires``. Its protoc stamps each
module with a gencode version, and the module refuses at import any protobuf runtime older than
that stamp (``runtime_version.ValidateProtobufRuntimeVersion``). So the stamp must not be newer
than the oldest runtime the package supports (the floor of its ``protobuf>=`` dependency); the
hook checks it and fails the build otherwise, rather than ship a wheel that breaks on import.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

__all__ = ["ProtoBuildHook", "check_gencode_floor", "gencode_version", "generate"]

_STAMP = re.compile(r"^# Protobuf Python Version: (\d+)\.(\d+)\.(\d+)", re.MULTILINE)


def generate(src: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) over every ``.proto`` under ``src``, writing beside them."""
    from grpc_tools import protoc

    protos = sorted(str(p.relative_to(src)) for p in src.rglob("*.proto"))
    args = ["protoc", f"-I{src}", f"-I{files('grpc_tools') / '_proto'}",
            f"--python_out={src}", f"--pyi_out={src}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {protos}")
    return [src / Path(p).with_name(Path(p).stem + "_pb2.py") for p in protos]


def gencode_version(module_text: str) -> tuple[int, int, int]:
    """The gencode version protoc stamped into a generated ``*_pb2.py``."""
    found = _STAMP.search(module_text)
    if found is None:
        raise ValueError("no '# Protobuf Python Version: X.Y.Z' line in the generated module")
    return tuple(int(g) for g in found.groups())  # type: ignore[return-value]


def check_gencode_floor(module: Path, dependencies: list[str]) -> None:
    """Raise if ``module``'s gencode version is newer than the ``protobuf>=`` floor."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    floors = [Version(s.version).release for d in dependencies
              if (r := Requirement(d)).name == "protobuf"
              for s in r.specifier if s.operator == ">="]
    if not floors:
        raise ValueError(f"no 'protobuf>=X.Y' in the project dependencies {dependencies}")
    floor = (tuple(floors[0]) + (0, 0))[:3]
    stamp = gencode_version(module.read_text())
    if stamp > floor:
        raise RuntimeError(
            f"{module.name} was generated as gencode {'.'.join(map(str, stamp))}, newer than the "
            f"oldest supported runtime protobuf>={'.'.join(map(str, floor))}: it would refuse to "
            "import there. Pin an older grpcio-tools in [build-system] requires or raise the floor."
        )


class ProtoBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        for module in generate(Path(self.root) / "src"):
            check_gencode_floor(module, list(self.metadata.core.dependencies))
