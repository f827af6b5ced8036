"""Compare what a client measured (inference-perf's per_request_lifecycle_metrics.json) with the simulator's ground
truth (trace.py), request by request.

Requests are matched by the id the simulator puts in every response chunk (`cmpl-sim...`), falling back to the prompt
hash and the nearest arrival. Both sides read CLOCK_MONOTONIC on the same machine, so times compare directly. The
client's figures use inference-perf's own formulas (reportgen/base.py): TTFT = first token - start, TPOT = (last -
first) / (tokens - 1), ITL = every gap between tokens, pooled.
"""

import json
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from pybench.simulator.trace import prompt_sha1


@dataclass
class Latencies:
    ttft: float
    tpot: float | None
    itl: list[float] = field(default_factory=list)


@dataclass
class Pair:
    request_id: str
    client: Latencies
    truth: Latencies
    send_delay: float  # server arrival - client start: connection, request bytes, server-side parsing
    first_token_delay: float  # client's first chunk - server's first write: network and client read loop


def _request_id(record: dict[str, Any]) -> str | None:
    chunks = ((record.get("info") or {}).get("response_metrics") or {}).get("response_chunks") or []
    try:
        return json.loads(chunks[0]).get("id") if chunks else None
    except (ValueError, AttributeError):
        return None


def _texts(record: dict[str, Any]) -> list[str]:
    try:
        body = json.loads(record.get("request") or "{}")
    except ValueError:
        return []
    if isinstance(body.get("prompt"), str):
        return [body["prompt"]]
    return [m["content"] for m in body.get("messages") or [] if isinstance(m.get("content"), str)]


def _latencies(start: float, times: list[float], tokens: int) -> Latencies:
    gaps = [b - a for a, b in pairwise(times)]
    tpot = (times[-1] - times[0]) / (tokens - 1) if tokens > 1 else None
    return Latencies(ttft=times[0] - start, tpot=tpot, itl=gaps)


def match(per_request: list[dict[str, Any]], trace: list[dict[str, Any]]) -> list[Pair]:
    """Pairs of successful streamed requests and their ground truth; unmatched requests are left out."""
    by_id = {t["id"]: t for t in trace}
    by_prompt: dict[str, list[dict[str, Any]]] = {}
    for t in trace:
        by_prompt.setdefault(t["prompt_sha1"], []).append(t)
    pairs = []
    for record in per_request:
        metrics = (record.get("info") or {}).get("response_metrics") or {}
        times = metrics.get("output_token_times") or []
        if record.get("error") or len(times) < 2:
            continue
        start = float(record["start_time"])
        truth = by_id.get(_request_id(record) or "")
        if truth is None:
            candidates = by_prompt.get(prompt_sha1(_texts(record)), [])
            truth = min(candidates, key=lambda t: abs(t["arrival"] - start), default=None)
        if truth is None or len(truth["token_times"]) != len(times):
            continue
        client = _latencies(start, times, int(metrics.get("output_tokens") or len(times)))
        real = _latencies(truth["arrival"], truth["token_times"], truth["output_tokens"])
        pairs.append(Pair(truth["id"], client, real, truth["arrival"] - start, times[0] - truth["token_times"][0]))
    return pairs


def summarize(values: list[float], percentiles: tuple[float, ...] = (50, 90, 95, 99)) -> dict[str, float]:
    """mean and percentiles as inference-perf computes them (numpy's linear interpolation)."""
    if not values:
        return {}
    result = {"mean": float(np.mean(values))}
    result.update({f"p{p:g}": float(np.percentile(values, p)) for p in percentiles})
    return result


def distributions(pairs: list[Pair], side: str) -> dict[str, dict[str, float]]:
    """TTFT, TPOT and ITL distributions over the matched requests, as the client (`side="client"`) or the
    ground truth (`side="truth"`) sees them."""
    sides = [getattr(p, side) for p in pairs]
    return {
        "ttft": summarize([s.ttft for s in sides]),
        "tpot": summarize([s.tpot for s in sides if s.tpot is not None]),
        "itl": summarize([gap for s in sides for gap in s.itl]),
    }


def ttft_errors(pairs: list[Pair]) -> list[float]:
    """Per request: reported TTFT minus true TTFT, seconds."""
    return [p.client.ttft - p.truth.ttft for p in pairs]
