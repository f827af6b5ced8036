"""Plain records for what GKE Inference Quickstart returns, so views and comparisons never touch protobuf messages.

GIQ reports latency as TTFT and NTPOT (request latency / output tokens), in milliseconds, and throughput as output
tokens per second; costs are USD per million tokens for one pricing model.
"""

from dataclasses import dataclass
from typing import Any

PRICING_MODELS = ("spot", "on-demand", "1-year-cud", "3-years-cud")


@dataclass(frozen=True)
class Cost:
    pricing_model: str
    per_million_output_tokens: float | None
    per_million_input_tokens: float | None


@dataclass(frozen=True)
class PerfPoint:
    """One published load level of a profile."""

    queries_per_second: float
    output_tokens_per_second: float
    ttft_ms: float
    ntpot_ms: float
    costs: tuple[Cost, ...] = ()

    def cost(self, pricing_model: str) -> Cost | None:
        return next((c for c in self.costs if c.pricing_model == pricing_model), None)


@dataclass(frozen=True)
class Profile:
    """A validated deployment: model + model server (+ version) on an accelerator, with its published curve."""

    model: str
    model_server: str
    model_server_version: str
    accelerator: str
    instance_type: str
    accelerator_count: int
    tpu_topology: str
    points: tuple[PerfPoint, ...]

    @property
    def label(self) -> str:
        return f"{self.model} on {self.model_server} {self.model_server_version} with {self.accelerator_count} x " \
               f"{self.accelerator} ({self.instance_type})"


@dataclass(frozen=True)
class ProfileList:
    profiles: list[Profile]
    comments: str = ""
    ranges: dict[str, tuple[float, float]] | None = None  # "output_tokens_per_second" / "ttft_ms" / "ntpot_ms"


@dataclass(frozen=True)
class Manifest:
    kind: str
    api_version: str
    content: str  # YAML, possibly several documents


@dataclass(frozen=True)
class ManifestSet:
    """What GenerateOptimizedManifest returned, with the request that produced it."""

    model: str
    model_server: str
    accelerator: str
    namespace: str
    manifests: list[Manifest]
    comments: list[str]
    manifest_version: str = ""


def _usd(amount: Any) -> float | None:
    if amount is None or (not amount.units and not amount.nanos):
        return None
    return amount.units + amount.nanos / 1e9


def profile_from_message(p: Any) -> Profile:
    """Convert a gkerecommender_v1.Profile message."""
    points = tuple(
        sorted(
            (
                PerfPoint(
                    queries_per_second=float(s.queries_per_second),
                    output_tokens_per_second=float(s.output_tokens_per_second),
                    ttft_ms=float(s.ttft_milliseconds),
                    ntpot_ms=float(s.ntpot_milliseconds),
                    costs=tuple(
                        Cost(
                            pricing_model=c.pricing_model or "spot",
                            per_million_output_tokens=_usd(c.cost_per_million_output_tokens),
                            per_million_input_tokens=_usd(c.cost_per_million_input_tokens),
                        )
                        for c in s.cost
                    ),
                )
                for s in p.performance_stats
            ),
            key=lambda pt: pt.queries_per_second,
        )
    )
    info = p.model_server_info
    return Profile(
        model=info.model,
        model_server=info.model_server,
        model_server_version=info.model_server_version,
        accelerator=p.accelerator_type,
        instance_type=p.instance_type,
        accelerator_count=int(p.resources_used.accelerator_count),
        tpu_topology=p.tpu_topology,
        points=points,
    )


def ranges_from_message(r: Any) -> dict[str, tuple[float, float]] | None:
    """Convert a PerformanceRange message; None when the API sent none."""
    pairs = {
        "output_tokens_per_second": r.throughput_output_range,
        "ttft_ms": r.ttft_range,
        "ntpot_ms": r.ntpot_range,
    }
    out = {k: (float(v.min_), float(v.max_)) for k, v in pairs.items() if v.min_ or v.max_}
    return out or None
