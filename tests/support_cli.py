"""Run the real ``streamvis`` console script in subprocesses, for the end-to-end CLI tests."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass

__all__ = ["Background", "Result", "streamvis_command", "run_cli", "start_cli", "http_get"]

URL = re.compile(r"http://[^\s]+")


def streamvis_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m streamvis.cli``."""
    script = shutil.which("streamvis", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "streamvis.cli"]


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("STREAMVIS_STORAGE_BACKEND", None)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONFAULTHANDLER"] = "1"  # a hung child killed with SIGABRT prints its threads
    env.update(extra or {})
    return env


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: str | None = None, input: str | None = None,
            env: dict[str, str] | None = None, timeout: float = 120) -> Result:
    """Run ``streamvis ARGS`` to completion (no stdin unless ``input`` is given)."""
    done = subprocess.run([*streamvis_command(), *args], cwd=cwd, env=_env(env),
                          input=input, stdin=None if input is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    return Result(done.returncode, done.stdout, done.stderr)


class Background:
    """A long-running ``streamvis`` subprocess whose output is read line by line."""

    def __init__(self, args: list[str], cwd: str | None, env: dict[str, str] | None) -> None:
        self.proc = subprocess.Popen([*streamvis_command(), *args], cwd=cwd, env=_env(env),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        for stream, sink in ((self.proc.stdout, self.stdout), (self.proc.stderr, self.stderr)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    def _pump(self, stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)
            self.lines.put(line)

    def wait_for_url(self, timeout: float = 60, containing: str = "") -> str:
        """The first URL printed (stdout or stderr) that contains ``containing``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            for url in URL.findall(line):
                if containing in url:
                    return url
        raise AssertionError(f"no URL containing {containing!r} printed; exit status "
                             f"{self.proc.poll()}; stdout={''.join(self.stdout)!r} "
                             f"stderr={''.join(self.stderr)!r}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Send ``sig`` and wait for the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.5)
            raise AssertionError(f"{self.proc.args} still running {timeout} s after signal "
                                 f"{sig}; stderr so far: {''.join(self.stderr)[-4000:]!r}") from None
        finally:
            time.sleep(0.1)  # let the pump threads drain the pipes

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def start_cli(*args: str, cwd: str | None = None,
              env: dict[str, str] | None = None) -> Background:
    """Start ``streamvis ARGS`` in the background."""
    return Background(list(args), cwd, env)


def http_get(url: str, timeout: float = 30) -> tuple[int, str]:
    """Status and body of a GET."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode("utf-8", "replace")
