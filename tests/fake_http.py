"""The skeleton the HTTP fakes share: a ThreadingHTTPServer on 127.0.0.1 (a free port), served from a daemon thread
for the length of a `with` block, and a quiet handler that reads a JSON request and writes a JSON answer.

A fake subclasses JsonHttpServer and answers in handle_json(request) -> (status code, payload); one that streams or
forwards raw bytes overrides answer(handler) instead and writes with the handler's send_body."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlparse


@dataclass
class Request:
    """One request as a fake saw it; body is the parsed JSON body, {} when there is none."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    content_type: str


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length or is chunked
    disable_nagle_algorithm = True  # headers and body go out in two writes; without this each answer waits ~40 ms
    server: "JsonHttpServer"

    def log_message(self, *args: Any) -> None:
        pass

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def read_json(self) -> Request:
        url = urlparse(self.path)
        raw = self.read_body()
        return Request(self.command, url.path, {k: v[-1] for k, v in parse_qs(url.query).items()},
                       json.loads(raw) if raw else {}, self.headers.get("Content-Type", ""))

    def send_body(self, code: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(code)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, code: int, payload: Any) -> None:
        self.send_body(code, json.dumps(payload).encode(), {"Content-Type": self.server.content_type})

    def _answer(self) -> None:
        self.server.answer(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer


class JsonHttpServer(ThreadingHTTPServer):
    """`with Fake() as fake:` serves at fake.url until the block ends."""

    daemon_threads = True
    content_type = "application/json"

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self._serving: threading.Thread | None = None

    def answer(self, handler: Handler) -> None:
        handler.send_json(*self.handle_json(handler.read_json()))

    def handle_json(self, request: Request) -> tuple[int, Any]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._serving = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._serving.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._serving is not None:  # shutdown() waits for serve_forever, which never ran without __enter__
            self.shutdown()
            self._serving = None
        self.server_close()
