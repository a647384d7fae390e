"""The one version number of a streamvis release lives in ``VERSION`` (repo root).

``python dev/set_version.py 0.2.0`` writes it there and into every copy the packaging tools
need literally (each ``pyproject.toml``'s version and its ``streamvis-*==`` pins, each BUILD's
``python_artifact(version=...)``). ``python dev/set_version.py --check`` lists copies that
disagree with ``VERSION`` and exits 1 if there are any (tests/test_versions_agree.py runs it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("proto", "logger", "server", "cli")
_PATTERNS = {
    "pyproject.toml": (re.compile(r'^(version = ")([^"]+)(")', re.M),
                       re.compile(r'("streamvis-(?:proto|logger|server|cli)==)([^"]+)(")')),
    "BUILD": (re.compile(r'(\bversion=")([^"]+)(")'),),
}
_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:[.-]?(?:a|b|rc|dev|post)\d+)?$")


def copies() -> list[tuple[Path, re.Pattern[str]]]:
    """Every (file, pattern) whose matches must equal ``VERSION``."""
    return [(ROOT / "packages" / f"streamvis-{p}" / name, pattern)
            for p in PACKAGES for name, patterns in _PATTERNS.items() for pattern in patterns]


def read_version() -> str:
    return (ROOT / "VERSION").read_text(encoding="utf-8").strip()


def disagreements(version: str) -> list[str]:
    """``file:line: found X`` for every copy that is not ``version``."""
    problems = []
    for path, pattern in copies():
        text = path.read_text(encoding="utf-8")
        found = list(pattern.finditer(text))
        if not found and pattern.pattern.startswith(("^(version", r"(\bversion")):
            problems.append(f"{path.relative_to(ROOT)}: no version found")
        for match in found:
            if match.group(2) != version:
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)!r}, "
                                f"expected {version}")
    return problems


def set_version(version: str) -> None:
    if not _VERSION.match(version):
        raise SystemExit(f"set_version: {version!r} is not a version like 1.2.3 or 1.2.3rc1")
    (ROOT / "VERSION").write_text(version + "\n", encoding="utf-8")
    for path, pattern in copies():
        text = path.read_text(encoding="utf-8")
        path.write_text(pattern.sub(lambda m: m.group(1) + version + m.group(3), text),
                        encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = disagreements(read_version())
        for problem in problems:
            print(f"version mismatch: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if len(argv) == 1:
        set_version(argv[0])
        return 0
    print("usage: python dev/set_version.py (VERSION | --check)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
