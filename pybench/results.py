"""The one result model. Every report reader fills it; tables, JSON, HTML and plots are views of it.

Latencies are in seconds, as inference-perf writes them; views convert to milliseconds.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Distribution:
    """A latency or size distribution: mean, min, max and percentiles keyed by their number (50, 90, 95, 99, 99.9)."""

    mean: float | None = None
    min: float | None = None
    max: float | None = None
    percentiles: dict[float, float] = field(default_factory=dict)

    def p(self, q: float) -> float | None:
        return self.percentiles.get(float(q))

    @property
    def empty(self) -> bool:
        return self.mean is None and not self.percentiles


@dataclass
class StageResult:
    """One load stage (or the whole-run summary when ``stage`` is None)."""

    stage: int | None
    requested_rate: float | None = None
    achieved_rate: float | None = None
    concurrency: int | None = None
    duration_s: float | None = None
    requests: int = 0
    successes: int = 0
    failures: int = 0
    failures_by_label: dict[str, int] = field(default_factory=dict)
    ttft: Distribution = field(default_factory=Distribution)
    tpot: Distribution = field(default_factory=Distribution)
    ntpot: Distribution = field(default_factory=Distribution)
    itl: Distribution = field(default_factory=Distribution)
    e2e: Distribution = field(default_factory=Distribution)
    schedule_delay: Distribution = field(default_factory=Distribution)
    prompt_tokens: Distribution = field(default_factory=Distribution)
    output_tokens: Distribution = field(default_factory=Distribution)
    input_tokens_per_s: float | None = None
    output_tokens_per_s: float | None = None
    total_tokens_per_s: float | None = None
    requests_per_s: float | None = None
    goodput: dict[str, Any] | None = None
    server: dict[str, Any] = field(default_factory=dict)  # server-side (Prometheus) metrics, when collected

    @property
    def failure_ratio(self) -> float:
        total = self.successes + self.failures
        return self.failures / total if total else 0.0


@dataclass
class RunResult:
    """A whole run: pybench's run record (run.json) plus what inference-perf reported."""

    run_dir: str
    record: dict[str, Any] = field(default_factory=dict)
    stages: list[StageResult] = field(default_factory=list)
    summary: StageResult | None = None

    @property
    def run_id(self) -> str:
        return str(self.record.get("run_id") or self.run_dir.rstrip("/").split("/")[-1])
