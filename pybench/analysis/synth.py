"""Per-request entries shaped like inference-perf 0.7's per_request_lifecycle_metrics.json (streaming completion,
default per_request_fields), with chosen timings: for tests and for benchmarks/bench_per_request.py.

The file is written entry by entry (never built whole), indented like inference-perf's local storage writes it."""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO


@dataclass
class Req:
    start: float
    ttft: float = 0.1
    tpot: float = 0.02
    output_tokens: int = 32
    input_tokens: int = 128
    scheduled: float | None = None  # written as scheduled_time when set (0.7.0 does not write it)
    error: tuple[str, str] | None = None  # (error_type, error_msg)
    chunks: bool = True  # include response_chunks, as inference-perf does by default

    @property
    def end(self) -> float:
        return self.start + self.ttft + self.tpot * max(self.output_tokens - 1, 0)


def _chunk(i: int, created: int) -> str:
    return json.dumps({"id": f"cmpl-{created:x}", "object": "text_completion", "created": created,
                       "model": "pybench/sim-llama-3.1-8b",
                       "choices": [{"index": 0, "text": f" word{i}", "logprobs": None, "finish_reason": None}],
                       "usage": None})


def entry(req: Req) -> dict[str, Any]:
    if req.error is not None:
        response: dict[str, Any] = {"output_tokens": 0, "server_usage": None}
        end = req.start + req.ttft
    else:
        times = [req.start + req.ttft + i * req.tpot for i in range(req.output_tokens)]
        response = {"output_tokens": req.output_tokens,
                    "server_usage": {"prompt_tokens": req.input_tokens,
                                     "total_tokens": req.input_tokens + req.output_tokens,
                                     "completion_tokens": req.output_tokens}}
        if req.chunks:
            response["response_chunks"] = [_chunk(i, int(req.start)) for i in range(req.output_tokens)]
        response["chunk_times"] = times
        response["output_token_times"] = times
        end = req.end
    out: dict[str, Any] = {
        "start_time": req.start, "end_time": end,
        "request": json.dumps({"model": "pybench/sim-llama-3.1-8b", "prompt": "lorem " * req.input_tokens,
                               "max_tokens": req.output_tokens, "ignore_eos": True, "stream": True}),
        "response": None,
        "info": {"request_metrics": {"text": {"input_tokens": req.input_tokens}, "image": None, "video": None,
                                     "audio": None},
                 "response_metrics": response, "extra_info": {}, "lora_adapter": None, "graph_event_id": None,
                 "labels": {}, "input_tokens": req.input_tokens},
        "error": None if req.error is None else {"error_type": req.error[0], "error_msg": req.error[1]},
    }
    if req.scheduled is not None:
        out = {"scheduled_time": req.scheduled, **out}
    return out


def write_entries(handle: TextIO, reqs: Iterable[Req], indent: int | None = 2) -> int:
    """Write a JSON array entry by entry; returns the number of entries."""
    handle.write("[")
    n = 0
    for n, req in enumerate(reqs, 1):
        text = json.dumps(entry(req), indent=indent)
        if indent:
            text = "\n".join(" " * indent + line for line in text.split("\n"))
        handle.write(("\n" if n == 1 else ",\n") + text)
    handle.write("\n]" if n else "]")
    return n


def write_file(path: str | Path, reqs: Iterable[Req], indent: int | None = 2) -> int:
    with Path(path).open("w", encoding="utf-8") as handle:
        return write_entries(handle, reqs, indent)


def constant_stages(rates: list[float], duration: float, gap: float = 2.0, start: float = 1000.0,
                    **kw: Any) -> Iterator[Req]:
    """Evenly spaced requests, stage after stage (each stage's requests sent within ``duration`` seconds)."""
    t = start
    for rate in rates:
        n = int(rate * duration)
        for i in range(n):
            yield Req(start=t + i / rate, **kw)
        t += duration + gap
