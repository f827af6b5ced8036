"""Ground truth: each request's true server-side times, for measuring what a client-side benchmark reports.

Times are `time.monotonic()` seconds, the clock inference-perf's `time.perf_counter()` also reads on Linux, so a
client on the same machine can compare them directly. Per request:

  arrival      the handler started (headers read), before parsing and tokenizing the body
  first_token  the first token's bytes were written to the connection
  token_times  every token's write time (streaming requests only)
  end          the last bytes (or, unary, the response) were handed to the connection
  prompt_sha1  sha1 of the prompt text (completions) or of the messages' text joined by NUL (chat): with the arrival
               time, it matches a client's request to its record

Records are appended to a JSONL file as requests finish and the last RECENT of them are kept for GET /debug/requests.
Recording is off unless the simulator runs with a trace file (`--trace FILE`), so normal runs pay nothing.
"""

import hashlib
import json
from array import array
from collections import deque
from pathlib import Path
from typing import Any, TextIO

RECENT = 100_000


def prompt_sha1(texts: list[str]) -> str:
    return hashlib.sha1("\x00".join(texts).encode()).hexdigest()


class RequestTrace:
    __slots__ = ("arrival", "cached_tokens", "end", "finish_reason", "id", "output_tokens", "preemptions",
                 "prompt_sha1", "prompt_tokens", "stream", "token_times")

    def __init__(self, request_id: str, arrival: float, sha1: str, prompt_tokens: int, stream: bool):
        self.id = request_id
        self.arrival = arrival
        self.prompt_sha1 = sha1
        self.prompt_tokens = prompt_tokens
        self.stream = stream
        self.token_times = array("d")
        self.end: float | None = None
        self.output_tokens = 0
        self.cached_tokens = 0
        self.preemptions = 0
        self.finish_reason = ""

    def record(self) -> dict[str, Any]:
        times = self.token_times
        return {
            "id": self.id, "prompt_sha1": self.prompt_sha1, "stream": self.stream, "arrival": self.arrival,
            "first_token": times[0] if times else self.end, "end": self.end, "token_times": list(times),
            "prompt_tokens": self.prompt_tokens, "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens, "preemptions": self.preemptions,
            "finish_reason": self.finish_reason,
        }


class Recorder:
    def __init__(self, path: Path):
        self.path = path
        self._file: TextIO = open(path, "a", buffering=1 << 16)  # noqa: SIM115 (closed by close())
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)

    def finish(self, trace: RequestTrace) -> None:
        record = trace.record()
        self.recent.append(record)
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def load(path: Path) -> list[dict[str, Any]]:
    """Read a trace file back (skipping a last line cut short by a crash)."""
    records = []
    for line in Path(path).read_text().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records
