"""Server-side metrics: inference-perf's stage_N/summary_prometheus_metrics.json (attached raw to
StageResult.server by reports.load_run) read into a small typed view: queue, running batch, KV-cache use,
preemptions, prefix-cache hits and the server's own latency figures."""

from dataclasses import dataclass, field
from typing import Any

from pybench.reports import parse_distribution
from pybench.results import Distribution, StageResult


@dataclass
class ServerMetrics:
    waiting_mean: float | None = None  # requests queued in the server (vllm:num_requests_waiting)
    running_mean: float | None = None  # requests in the running batch
    kv_cache_pct: Distribution = field(default_factory=Distribution)  # KV-cache use, percent
    preemptions: float | None = None
    prefix_cache_hit_pct: float | None = None
    request_rate: float | None = None
    ttft: Distribution = field(default_factory=Distribution)
    tpot: Distribution = field(default_factory=Distribution)
    queue_time: Distribution = field(default_factory=Distribution)

    @property
    def kv_peak_pct(self) -> float | None:
        for value in (self.kv_cache_pct.p(99), self.kv_cache_pct.max, self.kv_cache_pct.p(90), self.kv_cache_pct.mean):
            if value is not None:
                return value
        return None

    @property
    def empty(self) -> bool:
        return self.waiting_mean is None and self.running_mean is None and self.kv_cache_pct.empty


def _mean(raw: Any) -> float | None:
    if isinstance(raw, dict):
        raw = raw.get("mean")
    return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else None


def _percent(dist: Distribution) -> Distribution:
    """vLLM reports KV-cache use as a fraction (0..1) under a name that says percentage; report percent."""
    values = [v for v in (dist.mean, dist.max, *dist.percentiles.values()) if v is not None]
    if values and max(values) <= 1.0:
        return Distribution(mean=None if dist.mean is None else dist.mean * 100,
                            min=None if dist.min is None else dist.min * 100,
                            max=None if dist.max is None else dist.max * 100,
                            percentiles={q: v * 100 for q, v in dist.percentiles.items()})
    return dist


def parse_server(raw: dict[str, Any] | None) -> ServerMetrics | None:
    """The typed view of one prometheus report (its `successes` section), or None when there is nothing in it."""
    if not isinstance(raw, dict) or not raw:
        return None
    body: dict[str, Any] = raw["successes"] if isinstance(raw.get("successes"), dict) else raw
    metrics = ServerMetrics(
        waiting_mean=_mean(body.get("queue_len")),
        running_mean=_mean(body.get("num_requests_running")),
        kv_cache_pct=_percent(parse_distribution(body.get("kv_cache_usage_percentage"))),
        preemptions=_mean(body.get("num_preemptions_total")),
        prefix_cache_hit_pct=_mean(body.get("prefix_cache_hit_percent")),
        request_rate=_mean(body.get("rate")),
        ttft=parse_distribution(body.get("time_to_first_token")),
        tpot=parse_distribution(body.get("time_per_output_token")),
        queue_time=parse_distribution(body.get("request_queue_time")),
    )
    return None if metrics.empty and metrics.ttft.empty else metrics


def server_metrics(stage: StageResult) -> ServerMetrics | None:
    return parse_server(stage.server)
