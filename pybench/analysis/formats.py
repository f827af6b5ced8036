"""Machine-readable views of an analysis or a comparison: JSON, CSV (one row per stage) and Markdown."""

import csv
import io
import json
from typing import Any

from pybench.analysis.analyze import RunAnalysis
from pybench.analysis.compare import Comparison
from pybench.analysis.prometheus import server_metrics
from pybench.results import Distribution, StageResult

LATENCIES = [("ttft", "ms", (50, 90, 95, 99)), ("tpot", "ms", (50, 90, 95, 99)), ("itl", "ms", (50, 95, 99)),
             ("ntpot", "ms", (50, 95, 99)), ("e2e", "s", (50, 90, 95, 99))]


def _scaled(value: float | None, unit: str) -> float | None:
    if value is None:
        return None
    return round(value * 1000, 3) if unit == "ms" else round(value, 4)


def _dist(prefix: str, dist: Distribution, unit: str, qs: tuple[float, ...]) -> dict[str, float | None]:
    row = {f"{prefix}_p{q:g}_{unit}": _scaled(dist.p(q), unit) for q in qs}
    row[f"{prefix}_mean_{unit}"] = _scaled(dist.mean, unit)
    return row


def stage_row(analysis: RunAnalysis, stage: StageResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "run_id": analysis.run_id, "stage": "all" if stage.stage is None else stage.stage,
        "requested_rate": stage.requested_rate, "achieved_rate": stage.achieved_rate,
        "concurrency": stage.concurrency, "requests": stage.requests, "successes": stage.successes,
        "failures": stage.failures,
    }
    for name, unit, qs in LATENCIES:
        row.update(_dist(name, getattr(stage, name), unit, qs))
    row.update({
        "schedule_delay_p95_ms": _scaled(stage.schedule_delay.p(95), "ms"),
        "output_tokens_per_s": stage.output_tokens_per_s, "input_tokens_per_s": stage.input_tokens_per_s,
        "requests_per_s": stage.requests_per_s,
    })
    check = next((c for c in analysis.checks if c.stage.stage == stage.stage), None)
    row["meets_slo"] = None if check is None else check.meets
    row["goodput_rps"] = None if check is None else check.goodput_rps
    row["goodput_exact"] = None if check is None else check.goodput_exact
    cost = analysis.cost and next((c for c in analysis.cost.stages if c.stage == stage.stage), None)
    row["usd_per_m_output_tokens"] = cost.output_usd_per_m if cost else None
    row["usd_per_m_input_tokens"] = cost.input_usd_per_m if cost else None
    server = server_metrics(stage)
    row["server_waiting_mean"] = server.waiting_mean if server else None
    row["server_running_mean"] = server.running_mean if server else None
    row["server_kv_cache_peak_pct"] = server.kv_peak_pct if server else None
    row["failures_by_label"] = dict(stage.failures_by_label)
    return row


def _rows(analysis: RunAnalysis) -> list[dict[str, Any]]:
    run = analysis.run
    return [stage_row(analysis, s) for s in [*run.stages, *([run.summary] if run.summary else [])]]


def analysis_dict(analysis: RunAnalysis) -> dict[str, Any]:
    record = analysis.run.record
    out: dict[str, Any] = {
        "run_id": analysis.run_id, "run_dir": analysis.run.run_dir,
        "run": {k: record.get(k) for k in ("scenario", "target", "accelerator", "model", "endpoint", "status",
                                            "started_at", "ended_at") if k in record},
        "valid": analysis.verdict.valid, "reasons": analysis.verdict.reasons, "warnings": analysis.verdict.warnings,
        "per_request_samples": len(analysis.samples) if analysis.samples is not None else 0,
        "warmup_s": analysis.warmup_s, "stages": _rows(analysis),
        "insights": [i.to_dict() for i in analysis.insights], "notes": analysis.notes,
    }
    if analysis.capacity is not None:
        out["slo"] = {"objectives": [s.text for s in analysis.slos], "capacity_rps": analysis.capacity.rate,
                      "capacity_how": analysis.capacity.how, "message": analysis.capacity.message}
    if analysis.cost is not None:
        table = analysis.cost.table
        out["cost"] = {"accelerator": analysis.cost.accelerator, "accelerators": analysis.cost.count,
                       "usd_per_accelerator_hour": analysis.cost.price_per_hour, "prices_as_of": table.as_of,
                       "prices_source": table.source, "prices_overridden_by": table.overridden_by}
    return out


def _jsonable(value: Any) -> Any:
    """numpy scalars (from recomputed samples) as plain numbers; anything else as text."""
    return value.item() if hasattr(value, "item") else str(value)


def to_json(analyses: list[RunAnalysis]) -> str:
    data = [analysis_dict(a) for a in analyses]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, default=_jsonable)


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, dict) else "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def to_csv(analyses: list[RunAnalysis]) -> str:
    return _csv([row for a in analyses for row in _rows(a)])


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def to_markdown(analyses: list[RunAnalysis]) -> str:
    out: list[str] = []
    for a in analyses:
        record = a.run.record
        out += [f"## Run {a.run_id}", ""]
        if record.get("model") or record.get("accelerator"):
            out += [f"{record.get('model') or '?'} on {record.get('accelerator') or '?'}", ""]
        rows = []
        for r in _rows(a):
            rows.append([str(r["stage"]), _fmt(r["requested_rate"], 2), _fmt(r["achieved_rate"], 2),
                         f"{_fmt(r['ttft_p50_ms'])} / {_fmt(r['ttft_p95_ms'])} / {_fmt(r['ttft_p99_ms'])}",
                         f"{_fmt(r['tpot_p50_ms'])} / {_fmt(r['tpot_p95_ms'])} / {_fmt(r['tpot_p99_ms'])}",
                         f"{_fmt(r['itl_p50_ms'])} / {_fmt(r['itl_p99_ms'])}", _fmt(r["ntpot_p95_ms"]),
                         f"{_fmt(r['e2e_p95_s'], 2)} / {_fmt(r['e2e_p99_s'], 2)}", _fmt(r["output_tokens_per_s"], 0),
                         _fmt(r["requests_per_s"], 2), f"{r['successes']} / {r['failures']}",
                         _fmt(r["goodput_rps"], 2), _fmt(r["usd_per_m_output_tokens"], 2)])
        out += _md_table(["Stage", "Rate asked", "Rate sent", "TTFT ms p50/p95/p99", "TPOT ms p50/p95/p99",
                          "ITL ms p50/p99", "NTPOT ms p95", "E2E s p95/p99", "Output tok/s", "Req/s", "OK / Failed",
                          "Goodput req/s", "$ / M output"], rows)
        out.append("")
        verdict = "valid" if a.verdict.valid else "INVALID: " + "; ".join(a.verdict.reasons)
        out += [f"**Verdict:** {verdict}", ""]
        if a.capacity is not None:
            out += [f"**SLO** ({', '.join(s.text for s in a.slos)}): {a.capacity.message}", ""]
        if a.cost is not None:
            t = a.cost.table
            out += [(f"**Cost:** {a.cost.count} x {a.cost.accelerator} at ${a.cost.price_per_hour:.2f}/h "
                    f"(prices as of {t.as_of}; {t.source})"), ""]
        if a.insights:
            out += ["### Insights", ""]
            out += [f"- **{i.title}** ({i.severity}): {i.evidence} *{i.recommendation}*" for i in a.insights]
            out.append("")
        out += [f"> {note}" for note in a.notes] + ([""] if a.notes else [])
    return "\n".join(out)


def comparison_rows(c: Comparison) -> list[dict[str, Any]]:
    rows = []
    for row in c.rows:
        out: dict[str, Any] = {"stage": row.stage_key, "metric": row.metric, "unit": row.unit}
        for i, run_id in enumerate(c.run_ids):
            out[run_id] = row.cells[i].value
            if i:
                out[f"{run_id}_delta"], out[f"{run_id}_relative"] = row.deltas[i], row.relative[i]
                out[f"{run_id}_real"], out[f"{run_id}_method"] = row.real[i], row.method[i]
        rows.append(out)
    return rows


def comparison_json(c: Comparison) -> str:
    return json.dumps({"runs": c.run_ids, "baseline": c.run_ids[0], "threshold": c.threshold, "notes": c.notes,
                       "rows": comparison_rows(c)}, indent=2, default=_jsonable)


def comparison_csv(c: Comparison) -> str:
    return _csv(comparison_rows(c))


def delta_text(row: Any, i: int) -> str:
    if row.deltas[i] is None:
        return "-"
    rel = "" if row.relative[i] is None else f" ({row.relative[i]:+.0%})"
    value = row.deltas[i] * (1000 if row.unit == "ms" else 1)
    mark = "" if not row.real[i] else " better" if row.better[i] else " worse"
    return f"{value:+,.2f}{rel}{mark}" if row.real[i] else f"{value:+,.2f}{rel} ~noise"


def comparison_markdown(c: Comparison) -> str:
    header = ["Stage", "Metric", c.run_ids[0] + " (baseline)"]
    for run_id in c.run_ids[1:]:
        header += [run_id, "Δ"]
    rows = []
    for row in c.rows:
        scale = 1000 if row.unit == "ms" else 1
        line = [row.stage_key, f"{row.metric} ({row.unit})", _fmt(None if row.cells[0].value is None
                                                                  else row.cells[0].value * scale, 2)]
        for i in range(1, len(c.run_ids)):
            value = row.cells[i].value
            line += [_fmt(None if value is None else value * scale, 2), delta_text(row, i)]
        rows.append(line)
    notes = [f"> {n}" for n in c.notes]
    return "\n".join(["## Comparison", "", *_md_table(header, rows), "", *notes])
