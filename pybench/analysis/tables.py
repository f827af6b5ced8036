"""Terminal views of an analysis (stage table, SLO and goodput, cost, insights) and of a comparison."""

from rich.console import Console
from rich.table import Table

from pybench.analysis.analyze import RunAnalysis
from pybench.analysis.compare import Comparison
from pybench.analysis.formats import delta_text
from pybench.views import print_result

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def _n(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None else format(value, fmt)


def slo_table(a: RunAnalysis) -> Table:
    table = Table(title=f"SLO {', '.join(s.text for s in a.slos)}", title_justify="left", header_style="bold")
    table.add_column("Stage", justify="right")
    table.add_column("Rate req/s", justify="right")
    for slo in a.slos:
        table.add_column(f"{slo.metric}_{slo.stat} ms", justify="right")
    table.add_column("Meets", justify="center")
    table.add_column("Goodput req/s", justify="right")
    for check in a.checks:
        cells = []
        for slo in a.slos:
            value = check.values[slo.text]
            text = "-" if value is None else f"{value * 1000:.0f}"
            cells.append(f"[red]{text}[/red]" if value is not None and value > slo.limit_s else text)
        meets = "?" if check.meets is None else "[green]yes[/green]" if check.meets else "[red]no[/red]"
        good = _n(check.goodput_rps) + ("" if check.goodput_exact or check.goodput_rps is None else " (≤)")
        table.add_row("all" if check.stage.stage is None else str(check.stage.stage), _n(check.rate, ".3g"), *cells,
                      meets, good)
    return table


def cost_table(a: RunAnalysis) -> Table:
    cost = a.cost
    assert cost is not None
    t = cost.table
    table = Table(title=f"Cost: {cost.count} x {cost.accelerator} at ${cost.price_per_hour:.2f}/h each "
                        f"(prices as of {t.as_of}{'; overridden by ' + ', '.join(t.overridden_by) if t.overridden_by else ''})",
                  title_justify="left", header_style="bold")
    for name in ("Stage", "$ / hour", "$ / M output tokens", "$ / M input tokens"):
        table.add_column(name, justify="right")
    for s in cost.stages:
        table.add_row("all" if s.stage is None else str(s.stage), f"{s.hourly_usd:.2f}", _n(s.output_usd_per_m),
                      _n(s.input_usd_per_m, ".3f"))
    return table


def print_analysis(a: RunAnalysis, console: Console | None = None) -> None:
    console = console or Console()
    print_result(a.run, a.verdict, console)
    if a.capacity is not None:
        console.print(slo_table(a))
        style = {"none": "red", "unknown": "yellow"}.get(a.capacity.how, "green")
        console.print(f"[{style}]Capacity:[/{style}] {a.capacity.message}")
    if a.cost is not None:
        console.print(cost_table(a))
    if a.insights:
        console.print("[bold]Insights[/bold]")
        for i in a.insights:
            style = SEVERITY_STYLE.get(i.severity, "")
            console.print(f"  [{style}]{i.severity}[/{style}] {i.title}: {i.evidence}")
            console.print(f"      → {i.recommendation}")
    for note in a.notes:
        console.print(f"[dim]note: {note}[/dim]")


def comparison_table(c: Comparison) -> Table:
    table = Table(title=f"Comparison against {c.run_ids[0]} (baseline)", title_justify="left", header_style="bold")
    table.add_column("Stage", justify="right")
    table.add_column("Metric")
    table.add_column(c.run_ids[0], justify="right")
    for run_id in c.run_ids[1:]:
        table.add_column(run_id, justify="right")
        table.add_column("Δ", justify="right")
    previous = None
    for row in c.rows:
        scale = 1000 if row.unit == "ms" else 1
        cells = [row.stage_key if row.stage_key != previous else "", f"{row.metric} {row.unit}"]
        previous = row.stage_key
        for i, cell in enumerate(row.cells):
            value = "-" if cell.value is None else f"{cell.value * scale:,.2f}"
            cells.append(value)
            if i:
                text = delta_text(row, i)
                style = "" if not row.real[i] else "green" if row.better[i] else "red"
                cells.append(f"[{style}]{text}[/{style}]" if style else f"[dim]{text}[/dim]")
        table.add_row(*cells)
    return table


def print_comparison(c: Comparison, console: Console | None = None) -> None:
    console = console or Console()
    console.print(comparison_table(c))
    console.print("[dim]Δ is flagged better/worse only when larger than run-to-run noise; '~noise' otherwise.[/dim]")
    for note in c.notes:
        console.print(f"[dim]note: {note}[/dim]")
