"""A disk that fills up, for real where it can be made: a small tmpfs mounted for the test
(root with mount rights), else an injected ENOSPC on the local store's writes."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["SmallDisk", "small_disk"]


class SmallDisk:
    """A directory on a small filesystem whose free space the test controls."""

    def __init__(self, folder: Path, real: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.real = real  # a mounted tmpfs (True) or injected errors (False)
        self._filler = folder / "filler"
        self._budget: int | None = None
        if not real:
            import streamvis.logger.storage.local as local

            real_write = os.write

            def write(fd: int, data) -> int:
                if self._budget is None or fd <= 2:
                    return real_write(fd, data)
                if self._budget == 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                n = real_write(fd, memoryview(data)[:self._budget])
                self._budget -= n
                return n

            monkeypatch.setattr(local.os, "write", write)

    def fill(self, leave: int = 0) -> None:
        """Use up the free space but ``leave`` bytes (roughly: a tmpfs counts whole pages)."""
        if not self.real:
            self._budget = leave
            return
        with open(self._filler, "ab") as f:
            free = os.statvfs(self.folder).f_bavail * os.statvfs(self.folder).f_frsize
            f.write(b"\0" * max(0, free - leave))

    def free(self) -> None:
        """Give the space back."""
        self._budget = None
        if self._filler.exists():
            self._filler.unlink()


def _try_mount(folder: Path, size: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    """A 4 MiB tmpfs (or a folder with injected ENOSPC where mounting is not allowed)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    real = _try_mount(folder, "4m")
    try:
        yield SmallDisk(folder, real, monkeypatch)
    finally:
        if real:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
