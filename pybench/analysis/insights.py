"""Insights: what a run says about the server and the load generator, each with the evidence that raised it (stage,
metric, value, threshold) and what to do about it."""

import itertools
import re
from dataclasses import asdict, dataclass
from typing import Any

from pybench.analysis.per_request import PerRequestData, transitions
from pybench.analysis.prometheus import server_metrics
from pybench.analysis.slo import Slo, stage_rate
from pybench.results import RunResult, StageResult


@dataclass
class Thresholds:
    ttft_growth_min_s: float = 0.05  # TTFT growth is only judged once p95 exceeds this
    ttft_growth_min_ratio: float = 1.5
    knee_throughput_share: float = 0.5  # tokens/s grew by less than this share of the rate's growth...
    knee_latency_climb: float = 0.2  # ...while latency p95 rose by more than this
    spike_ratio: float = 1.5  # p95 right after a stage starts vs the rest of the stage
    spike_min_s: float = 0.05
    spike_min_early: int = 5
    spike_min_steady: int = 10
    failure_critical_ratio: float = 0.05
    min_rate_ratio: float = 0.90
    schedule_delay_p95_s: float = 0.05
    kv_cache_pct: float = 90.0


@dataclass
class Insight:
    kind: str
    severity: str  # critical | warning | info
    title: str
    stage: int | None
    metric: str
    value: float | None
    threshold: float | None
    unit: str
    evidence: str
    recommendation: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def _pairs(stages: list[StageResult]) -> list[tuple[StageResult, StageResult, float]]:
    """Consecutive stages by rate, with the rate ratio, where the rate rose by more than 5%."""
    ordered = sorted((s for s in stages if stage_rate(s)), key=lambda s: stage_rate(s) or 0.0)
    out = []
    for a, b in itertools.pairwise(ordered):
        ratio = (stage_rate(b) or 0.0) / (stage_rate(a) or 1.0)
        if ratio > 1.05:
            out.append((a, b, ratio))
    return out


def _server_hint(stages: list[StageResult], t: Thresholds) -> str:
    """What the server's own metrics add, when inference-perf collected them: a full KV cache, else a queue."""
    metrics = [(s, m) for s in stages if (m := server_metrics(s)) is not None]
    for s, m in metrics:
        if m.kv_peak_pct is not None and m.kv_peak_pct >= t.kv_cache_pct:
            return f" The server's KV cache reached {m.kv_peak_pct:.0f}% in stage {s.stage}: requests wait for cache."
    for s, m in metrics:
        if m.waiting_mean is not None and m.waiting_mean >= 1:
            return f" The server queued {m.waiting_mean:.1f} requests on average in stage {s.stage}."
    return ""


def ttft_insights(stages: list[StageResult], slos: list[Slo], t: Thresholds) -> list[Insight]:
    out = []
    advice = ("Look at prefill: enable chunked prefill or raise max-num-batched-tokens, cap the batch "
              "(max-num-seqs) so new prompts are not starved, check network latency between client and server, and "
              "KV-cache use (more memory or a smaller max-model-len leaves room for more sequences).")
    for slo in (s for s in slos if s.metric == "ttft"):
        missed = [s for s in stages if s.stage is not None and (v := slo.value(s)) is not None and v > slo.limit_s]
        if missed:
            first = missed[0]
            value = slo.value(first)
            out.append(Insight(
                "high_ttft", "warning", f"TTFT over the SLO from stage {first.stage}", first.stage,
                f"ttft_{slo.stat}", value, slo.limit_s, "s",
                f"TTFT {slo.stat} = {_ms(value)} > {_ms(slo.limit_s)} at {stage_rate(first) or 0:g} req/s "
                f"(stage {first.stage}); {len(missed)} stage(s) miss it.", advice + _server_hint(stages, t)))
    for a, b, rate_ratio in _pairs(stages):
        pa, pb = a.ttft.p(95), b.ttft.p(95)
        if not pa or pb is None or pb < t.ttft_growth_min_s:
            continue
        growth = pb / pa
        if growth > max(rate_ratio, t.ttft_growth_min_ratio):
            out.append(Insight(
                "ttft_growth", "warning", "TTFT rises faster than the load", b.stage, "ttft_p95_growth", growth,
                rate_ratio, "x",
                f"TTFT p95 rose {growth:.1f}x ({_ms(pa)} -> {_ms(pb)}) from stage {a.stage} to stage {b.stage} while "
                f"the rate rose {rate_ratio:.1f}x: requests are queueing before prefill.",
                advice + _server_hint(stages, t)))
            break
    return out


def saturation_insights(stages: list[StageResult], slos: list[Slo], t: Thresholds,
                        accelerator: str | None = None) -> list[Insight]:
    out = []
    where = f" per {accelerator}" if accelerator else ""
    for a, b, rate_ratio in _pairs(stages):
        ta, tb = a.output_tokens_per_s, b.output_tokens_per_s
        metric, la, lb = "tpot_p95", a.tpot.p(95), b.tpot.p(95)
        if not la or lb is None:
            metric, la, lb = "e2e_p95", a.e2e.p(95), b.e2e.p(95)
        if not ta or tb is None or not la or lb is None:
            continue
        tps_gain, climb = tb / ta - 1, lb / la - 1
        if tps_gain < t.knee_throughput_share * (rate_ratio - 1) and climb > t.knee_latency_climb:
            out.append(Insight(
                "saturation", "warning", f"Saturation knee near {stage_rate(a):g} req/s", a.stage,
                "output_tokens_per_s_gain", tps_gain, t.knee_throughput_share * (rate_ratio - 1), "ratio",
                f"Output tokens/s grew {tps_gain:+.0%} ({ta:,.0f} -> {tb:,.0f}) from stage {a.stage} to {b.stage} "
                f"while the rate grew {rate_ratio - 1:+.0%} and {metric.replace('_', ' ')} rose {climb:+.0%}.",
                f"The server is saturated past {stage_rate(a):g} req/s (~{ta:,.0f} output tokens/s{where}). Serve more "
                "with more replicas (scale on queue size or batch size, not CPU) or a more powerful accelerator; "
                "keep the per-replica load below the knee."))
            break
    for slo in (s for s in slos if s.metric in ("tpot", "itl", "ntpot")):
        missed = [s for s in stages if s.stage is not None and (v := slo.value(s)) is not None and v > slo.limit_s]
        if missed:
            value = slo.value(missed[0])
            out.append(Insight(
                f"high_{slo.metric}", "warning", f"{slo.metric.upper()} over the SLO from stage {missed[0].stage}",
                missed[0].stage, f"{slo.metric}_{slo.stat}", value, slo.limit_s, "s",
                f"{slo.metric.upper()} {slo.stat} = {_ms(value)} > {_ms(slo.limit_s)} at "
                f"{stage_rate(missed[0]) or 0:g} req/s; {len(missed)} stage(s) miss it.",
                "Decode is slowed by a large batch: lower max-num-seqs, add replicas, or use a more powerful "
                "accelerator (memory bandwidth drives TPOT)."))
    return out


def transition_insights(data: PerRequestData | None, record: dict[str, Any], t: Thresholds) -> list[Insight]:
    out = []
    if data is not None and len(data):
        metric = "ttft" if (data.ttft[data.ok] == data.ttft[data.ok]).any() else "e2e"
        for tr in transitions(data, metric):
            if tr.early_p95 is None or tr.steady_p95 is None:
                continue
            if tr.early_n < t.spike_min_early or tr.steady_n < t.spike_min_steady:
                continue
            if tr.early_p95 > t.spike_ratio * tr.steady_p95 and tr.early_p95 - tr.steady_p95 > t.spike_min_s:
                out.append(Insight(
                    "transition_spike", "warning", f"Latency spike when stage {tr.stage} starts", tr.stage,
                    f"{metric}_p95_first_{tr.window_s:.0f}s", tr.early_p95, t.spike_ratio * tr.steady_p95, "s",
                    f"{metric.upper()} p95 in the first {tr.window_s:.0f} s of stage {tr.stage} was {_ms(tr.early_p95)}"
                    f" ({tr.early_n} requests) against {_ms(tr.steady_p95)} for the rest ({tr.steady_n}).",
                    "The server lags when the load steps up: with an HPA, lower its target or shorten the scale-up "
                    "stabilization window and keep a warm minimum of replicas; leave the first seconds out of "
                    "steady-state figures with --warmup."))
    for change in (record.get("replica_changes") or (record.get("extra") or {}).get("replica_changes") or []):
        if isinstance(change, dict):
            out.append(Insight(
                "replica_change", "info", "Replicas changed during the run", change.get("stage"), "replicas",
                change.get("to"), change.get("from"), "replicas",
                f"Replicas went from {change.get('from')} to {change.get('to')}"
                + (f" during stage {change['stage']}" if change.get("stage") is not None else "") + ".",
                "Figures of that stage mix two deployment sizes; if the change came late, the HPA cool-down or "
                "target is too slow for this load step."))
    return out


FAILURE_MEANINGS = [
    (r"429|rate limit", "the server or a gateway is rate-limiting",
     "Raise the quota or rate limit in front of the model server, or keep the load below it."),
    (r"timeout|504", "requests outlived the timeout",
     ("The server is saturated (its queue grows) or load.request_timeout is too short: lower the rate, add "
     "replicas, or raise the timeout.")),
    (r"connection", "the client could not reach the server",
     ("Check the endpoint, whether the server crashed or restarted (pod restarts, OOMKilled), and connection limits "
     "(load.worker_max_tcp_connections).")),
    (r"502|503|bad gateway|unavailable", "no healthy backend answered",
     "Pods were not ready or were overloaded behind the load balancer: check readiness, replicas and the gateway."),
    (r"context", "prompts plus max_tokens exceed the model's context",
     "Lower the output length in the scenario, or raise the server's max-model-len."),
    (r"500|internal", "the server failed requests",
     "Read the model server's logs (out of memory, CUDA errors, bad requests)."),
]


def failure_insights(stages: list[StageResult], t: Thresholds) -> list[Insight]:
    totals: dict[str, int] = {}
    first_stage: dict[str, int | None] = {}
    for s in stages:
        for label, count in s.failures_by_label.items():
            totals[label] = totals.get(label, 0) + count
            first_stage.setdefault(label, s.stage)
    requests = sum(s.successes + s.failures for s in stages)
    out = []
    for label, count in sorted(totals.items(), key=lambda kv: -kv[1]):
        meaning, advice = "requests failed", "Read the failure messages in the stage reports."
        for pattern, what, todo in FAILURE_MEANINGS:
            if re.search(pattern, label, re.IGNORECASE):
                meaning, advice = what, todo
                break
        share = count / requests if requests else 1.0
        out.append(Insight(
            "failures", "critical" if share > t.failure_critical_ratio else "warning", f"{count} failures: {label}",
            first_stage[label], f"failures[{label}]", float(count), None, "requests",
            f"{count} of {requests} requests ({share:.1%}) failed with '{label}' (first in stage "
            f"{first_stage[label]}): {meaning}.", advice))
    return out


def loadgen_insights(stages: list[StageResult], t: Thresholds) -> list[Insight]:
    out = []
    advice = ("The load generator could not keep up, so latency under-counts client-side queueing: give inference-perf "
              "more workers (--num-workers / load.num_workers) or more CPU (the Job's CPU request and limit), or "
              "run several load generators.")
    for s in stages:
        if s.stage is None or s.concurrency:
            continue
        if s.requested_rate and s.achieved_rate is not None and s.achieved_rate < t.min_rate_ratio * s.requested_rate:
            out.append(Insight(
                "loadgen_rate", "critical", f"Stage {s.stage} sent less than requested", s.stage, "achieved_rate",
                s.achieved_rate, t.min_rate_ratio * s.requested_rate, "req/s",
                f"Stage {s.stage} sent {s.achieved_rate:.2f} req/s of the {s.requested_rate:g} requested.", advice))
        delay = s.schedule_delay.p(95)
        if delay is not None and delay > t.schedule_delay_p95_s:
            out.append(Insight(
                "loadgen_delay", "warning", f"Requests of stage {s.stage} left late", s.stage, "schedule_delay_p95",
                delay, t.schedule_delay_p95_s, "s",
                f"Schedule delay p95 = {_ms(delay)} > {_ms(t.schedule_delay_p95_s)} in stage {s.stage}.", advice))
    return out


def find_insights(run: RunResult, slos: list[Slo] | None = None, samples: PerRequestData | None = None,
                  thresholds: Thresholds | None = None) -> list[Insight]:
    t, slos = thresholds or Thresholds(), slos or []
    stages = run.stages or ([run.summary] if run.summary else [])
    found = [*failure_insights(stages, t), *loadgen_insights(stages, t), *ttft_insights(stages, slos, t),
             *saturation_insights(stages, slos, t, run.record.get("accelerator")),
             *transition_insights(samples, run.record, t)]
    order = {"critical": 0, "warning": 1, "info": 2}
    return sorted(found, key=lambda i: order.get(i.severity, 3))
