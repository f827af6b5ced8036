"""Is a run's data trustworthy? inference-perf exits 0 even when every request failed, so pybench judges from the
reports: no successes, too many failures, a load generator that fell behind, or inference-perf itself failing."""

from dataclasses import dataclass, field
from typing import Any

from pybench.results import RunResult

MAX_FAILURE_RATIO = 0.05
MIN_ACHIEVED_RATE_RATIO = 0.90


@dataclass
class Verdict:
    reasons: list[str] = field(default_factory=list)  # each one makes the run invalid
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.reasons


def judge(
    result: RunResult | None,
    exit_code: int | None = 0,
    interrupted: bool = False,
    max_failure_ratio: float = MAX_FAILURE_RATIO,
    min_rate_ratio: float = MIN_ACHIEVED_RATE_RATIO,
    planned_stages: int = 0,
) -> Verdict:
    """planned_stages: how many stages the config asked for; a run that was not interrupted but reported fewer
    stopped early."""
    verdict = Verdict()
    if interrupted:
        verdict.reasons.append("the run was interrupted; the reports cover only what ran before")
    elif exit_code not in (0, None):
        verdict.reasons.append(f"inference-perf exited with code {exit_code}")
    if result is None:
        verdict.reasons.append("inference-perf wrote no reports")
        return verdict

    stages = result.stages or ([result.summary] if result.summary else [])
    successes = sum(s.successes for s in stages)
    failures = sum(s.failures for s in stages)
    if successes == 0:
        verdict.reasons.append(f"no request succeeded ({failures} failed)")
    elif failures / (successes + failures) > max_failure_ratio:
        verdict.reasons.append(
            f"{failures} of {successes + failures} requests failed "
            f"({failures / (successes + failures):.0%} > {max_failure_ratio:.0%} allowed)"
        )
    for s in result.stages:
        label = f"stage {s.stage}"
        if s.successes == 0 and s.failures > 0:
            verdict.reasons.append(f"{label}: every request failed")
        behind = (s.requested_rate and s.achieved_rate is not None and s.concurrency is None
                  and s.achieved_rate < min_rate_ratio * s.requested_rate)
        if behind:
            verdict.reasons.append(
                f"{label}: the load generator sent {s.achieved_rate:.2f} req/s of the {s.requested_rate:g} requested "
                f"(< {min_rate_ratio:.0%}); give it more workers or CPU"
            )
        if s.successes and s.ttft.empty and s.e2e.mean is not None:
            verdict.warnings.append(f"{label}: no TTFT/TPOT/ITL (the scenario does not stream)")
    if not interrupted and planned_stages and len(result.stages) < planned_stages:
        verdict.reasons.append(f"only {len(result.stages)} of {planned_stages} planned stages reported "
                               "(the run stopped early)")
    return verdict


def judge_recorded(result: RunResult) -> Verdict:
    """The verdict a finished run got, judged again from its reports and its run.json (exit code, interrupted, the
    failure ratio it was run with, planned stages, and why the cluster run failed), so a later `pybench report`
    agrees with what `pybench bench` or `pybench collect` said."""
    record: dict[str, Any] = result.record
    extra = record.get("extra") or {}
    verdict = judge(result, record.get("exit_code"), record.get("status") == "interrupted",
                    max_failure_ratio=float(extra.get("max_failure_ratio", MAX_FAILURE_RATIO)),
                    planned_stages=int(record.get("planned_stages") or 0))
    if record.get("status") == "failed" and record.get("reasons"):
        verdict.reasons.insert(0, str(record["reasons"][0]))  # the cluster's trouble, which no report shows
    return verdict
