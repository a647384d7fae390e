"""Reading a schema file's YAML safely: bounded size, depth and alias expansion, no silently
merged duplicate keys, and errors that say what is wrong (``SchemaFileError``)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_SCHEMA_BYTES", "SchemaFileError", "read_schema_file"]

MAX_SCHEMA_BYTES = 1 << 20
"""A schema is a few kilobytes; anything over 1 MiB is refused before parsing."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists (a schema needs 4)."""
MAX_NODES = 100_000
"""Most values the document may hold once every alias is expanded (an alias bomb has
billions)."""


class SchemaFileError(ValueError):
    """The file cannot be read as a schema document; the message says why, in one line."""


def read_schema_file(path: str) -> Any:
    """The parsed YAML document of the schema file at ``path`` (plain dicts, lists, scalars)."""
    import yaml

    text = _read_text(path)
    loader = _bounded_loader_class()(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise SchemaFileError(f"nested deeper than {MAX_DEPTH} levels") from None
        except yaml.YAMLError as e:
            raise SchemaFileError(f"not valid YAML: {' '.join(str(e).split())}") from None
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_SCHEMA_BYTES:
                raise SchemaFileError(f"the file is {size} bytes; a schema is expected to be "
                                      f"under {MAX_SCHEMA_BYTES} bytes")
            raw = f.read(MAX_SCHEMA_BYTES + 1)
    except FileNotFoundError:
        raise SchemaFileError("cannot read the schema file: it does not exist") from None
    except IsADirectoryError:
        raise SchemaFileError("it is a directory; expected a YAML schema file") from None
    except OSError as e:
        raise SchemaFileError(f"cannot read the schema file: {e.strerror or e}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise SchemaFileError(f"not UTF-8 text: byte 0x{raw[e.start]:02x} at offset {e.start} "
                              f"(line {line}); save the schema as UTF-8") from None


def _bounded_loader_class() -> type:
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """A ``SafeLoader`` whose composer refuses nesting deeper than ``MAX_DEPTH``."""

        _depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise SchemaFileError(f"nested deeper than {MAX_DEPTH} levels (at line "
                                          f"{mark.line + 1}); a schema needs 4")
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return BoundedLoader


def _check_nodes(root: Any) -> None:
    """Refuse self-referencing aliases, more than ``MAX_NODES`` values after expansion, and
    duplicate keys; walks each distinct node once (iteratively)."""
    import yaml

    size: dict[int, int] = {}     # node id -> values it expands to
    stack: list[tuple[Any, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            active.discard(key)
            total = 1 + sum(size[id(c)] for c in _children(node))
            if total > MAX_NODES:
                raise SchemaFileError(
                    f"the value at line {node.start_mark.line + 1} expands to more than "
                    f"{MAX_NODES} values through YAML aliases; a schema needs a few hundred")
            size[key] = total
            continue
        if key in size:
            continue
        if key in active:
            raise SchemaFileError(f"the value at line {node.start_mark.line + 1} contains "
                                  "itself through a YAML alias")
        active.add(key)
        if isinstance(node, yaml.MappingNode):
            _check_duplicates(node, node is root)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicates(node: Any, top: bool) -> None:
    import yaml

    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        line = key_node.start_mark.line + 1
        if key_node.value in seen:
            what = "figure" if top else "key"
            raise SchemaFileError(f"{what} {key_node.value!r} is defined twice (lines "
                                  f"{seen[key_node.value]} and {line}); names must be unique")
        seen[key_node.value] = line
