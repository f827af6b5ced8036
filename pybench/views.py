"""Terminal views of the result model: the per-stage table and the validity verdict."""

from rich.console import Console
from rich.table import Table

from pybench.results import Distribution, RunResult, StageResult
from pybench.validity import Verdict


def _ms(d: Distribution, *qs: float) -> str:
    values = [d.p(q) for q in qs]
    if all(v is None for v in values):
        return "-"
    return " / ".join("-" if v is None else f"{v * 1000:.0f}" if v >= 0.1 else f"{v * 1000:.1f}" for v in values)


def _s(d: Distribution, *qs: float) -> str:
    values = [d.p(q) for q in qs]
    if all(v is None for v in values):
        return "-"
    return " / ".join("-" if v is None else f"{v:.2f}" for v in values)


def _num(value: float | None, fmt: str = ".1f") -> str:
    return "-" if value is None else format(value, fmt)


def _rate(s: StageResult) -> str:
    if s.concurrency:
        return f"c={s.concurrency}"
    if s.requested_rate is None:
        return _num(s.achieved_rate, ".2f")
    return f"{s.requested_rate:g} → {_num(s.achieved_rate, '.2f')}"


def stage_table(result: RunResult) -> Table:
    title = f"Run {result.run_id}"
    record = result.record
    if record.get("accelerator") or record.get("model"):
        title += f"  ({record.get('model') or 'model?'} on {record.get('accelerator') or '?'})"
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("Stage", justify="right")
    table.add_column("Rate req/s\nasked → sent", justify="right")
    table.add_column("TTFT ms\np50 / p95 / p99", justify="right")
    table.add_column("TPOT ms\np50 / p95 / p99", justify="right")
    table.add_column("ITL ms\np50 / p99", justify="right")
    table.add_column("NTPOT ms\np95", justify="right")
    table.add_column("E2E s\np95 / p99", justify="right")
    table.add_column("Output\ntok/s", justify="right")
    table.add_column("Req/s", justify="right")
    table.add_column("OK / Failed", justify="right")
    rows = list(result.stages)
    if result.summary is not None:
        rows.append(result.summary)
    for s in rows:
        failed = str(s.failures) if not s.failures else f"[red]{s.failures}[/red]"
        table.add_row(
            "all" if s.stage is None else str(s.stage),
            _rate(s),
            _ms(s.ttft, 50, 95, 99),
            _ms(s.tpot, 50, 95, 99),
            _ms(s.itl, 50, 99),
            _ms(s.ntpot, 95),
            _s(s.e2e, 95, 99),
            _num(s.output_tokens_per_s, ".0f"),
            _num(s.requests_per_s, ".2f"),
            f"{s.successes} / {failed}",
            end_section=result.summary is not None and len(rows) > 1 and s is rows[-2],
        )
    return table


def server_table(result: RunResult) -> Table | None:
    """Server-side (Prometheus) metrics per stage, when inference-perf collected them."""
    from pybench.analysis.prometheus import server_metrics

    rows = [(s, m) for s in [*result.stages, *([result.summary] if result.summary else [])]
            if (m := server_metrics(s)) is not None]
    if not rows:
        return None
    table = Table(title="Server metrics (Prometheus)", title_justify="left", header_style="bold")
    for name in ("Stage", "Waiting\nmean", "Running\nmean", "KV cache %\nmean / peak", "Preemptions",
                 "Prefix cache\nhit %", "Server TTFT ms\np90 / p99", "Queue time ms\np90 / p99"):
        table.add_column(name, justify="right")
    for s, m in rows:
        kv = "-" if m.kv_cache_pct.empty else f"{_num(m.kv_cache_pct.mean, '.0f')} / {_num(m.kv_peak_pct, '.0f')}"
        table.add_row("all" if s.stage is None else str(s.stage), _num(m.waiting_mean), _num(m.running_mean), kv,
                      _num(m.preemptions, ".0f"), _num(m.prefix_cache_hit_pct), _ms(m.ttft, 90, 99),
                      _ms(m.queue_time, 90, 99))
    return table


def print_result(result: RunResult, verdict: Verdict, console: Console | None = None) -> None:
    console = console or Console()
    console.print(stage_table(result))
    if (servers := server_table(result)) is not None:
        console.print(servers)
    failures: dict[str, int] = {}
    for s in result.stages or ([result.summary] if result.summary else []):
        for label, count in s.failures_by_label.items():
            failures[label] = failures.get(label, 0) + count
    if failures:
        console.print("Failures: " + ", ".join(f"{label}: {count}" for label, count in failures.items()))
    for warning in verdict.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if verdict.valid:
        console.print(f"[green]Valid run.[/green] Reports in {result.run_dir}")
    else:
        console.print(f"[bold red]INVALID RUN[/bold red] (reports kept in {result.run_dir}):")
        for reason in verdict.reasons:
            console.print(f"  - {reason}")
