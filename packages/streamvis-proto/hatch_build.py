"""Hatch build hook: generate ``*_pb2.py`` from the ``.proto`` files at build time."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def generate(src: Path) -> None:
    """Run protoc (from grpcio-tools) over every ``.proto`` under ``src``, writing beside them."""
    from grpc_tools import protoc

    protos = sorted(str(p.relative_to(src)) for p in src.rglob("*.proto"))
    args = ["protoc", f"-I{src}", f"-I{files('grpc_tools') / '_proto'}",
            f"--python_out={src}", f"--pyi_out={src}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {protos}")


class ProtoBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        generate(Path(self.root) / "src")
