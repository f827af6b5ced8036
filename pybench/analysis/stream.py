"""An incremental reader for inference-perf's per_request_lifecycle_metrics.json: a JSON array of request entries
that can run to gigabytes. It reads fixed-size blocks and decodes one array element at a time, so memory holds one
block plus the entry being decoded, never the whole file."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pybench.errors import ReportError

BLOCK_CHARS = 4 << 20  # characters read at a time
MAX_ENTRY_CHARS = 64 << 20  # one entry larger than this is taken for a broken file
_SEPARATORS = re.compile(r"[\s,]*")


def _skip(buf: str, pos: int) -> int:
    """Past the whitespace and commas between array elements."""
    match = _SEPARATORS.match(buf, pos)
    return match.end() if match else pos


def iter_entries(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the entries of a JSON array file one by one. Raises ReportError naming the file when it is missing,
    is not a JSON array of objects, or is cut short."""
    path = Path(path)
    decoder = json.JSONDecoder()
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"Per-request file {path} is missing.") from None
    except OSError as e:
        raise ReportError(f"Per-request file {path} cannot be read: {e.strerror}.") from None
    with handle:
        reader = _Blocks(handle, path)
        buf, pos = reader.buf, _skip(reader.buf, 0)
        if buf[pos:pos + 1] != "[":
            raise ReportError(f"Per-request file {path} is not a JSON array (it starts with {buf[pos:pos + 20]!r}).")
        pos += 1
        index = 0
        while True:
            pos = _skip(buf, pos)
            if pos >= len(buf):
                if reader.eof:
                    raise ReportError(f"Per-request file {path} ends before its closing ']' (cut short?).")
                buf, pos = reader.refill(pos), 0
                continue
            if buf[pos] == "]":
                return
            try:
                entry, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as e:
                if reader.eof or len(buf) - pos > MAX_ENTRY_CHARS:
                    raise ReportError(
                        f"Per-request file {path} is not valid JSON near character {reader.offset + e.pos} "
                        f"(entry {index}): {e.msg}."
                    ) from None
                buf, pos = reader.refill(pos), 0
                continue
            if not isinstance(entry, dict):
                raise ReportError(f"Per-request file {path}: entry {index} is not a JSON object.")
            pos = end
            index += 1
            yield entry


class _Blocks:
    """The current window of the file; refill() drops what was consumed and appends the next block."""

    def __init__(self, handle: Any, path: Path) -> None:
        self.handle, self.path = handle, path
        self.offset = 0
        self.eof = False
        self.buf = self._read()

    def _read(self) -> str:
        try:
            block = self.handle.read(BLOCK_CHARS)
        except UnicodeDecodeError as e:
            raise ReportError(f"Per-request file {self.path} is not UTF-8 text: {e.reason}.") from None
        if not block:
            self.eof = True
        return block

    def refill(self, consumed: int) -> str:
        self.offset += consumed
        self.buf = self.buf[consumed:] + self._read()
        return self.buf
