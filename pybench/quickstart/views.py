"""How the CLI shows GKE Inference Quickstart data: rich tables by default, JSON or CSV on request, and the live
rollout display. Every view builds rows of raw values first; the format only decides how they are written."""

import csv
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from pybench.quickstart.compare import GiqComparison
from pybench.quickstart.data import PerfPoint, Profile, ProfileList

FORMATS = ("table", "json", "csv")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: str = "{}"
    numeric: bool = False


def _cell(value: Any, fmt: str) -> str:
    if value is None or value == "":
        return "—"
    return fmt.format(value)


def render(rows: list[dict[str, Any]], columns: Sequence[Column], fmt: str = "table", title: str | None = None,
           notes: Sequence[str] = (), document: dict[str, Any] | None = None) -> None:
    """Write rows as a table, JSON (the document, or the list of rows) or CSV to stdout."""
    if fmt == "json":
        print(json.dumps(document if document is not None else rows, indent=2, default=str))
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=[c.key for c in columns], extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table()
    for c in columns:
        table.add_column(c.header, justify="right" if c.numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c.key), c.fmt) for c in columns))
    if title:
        console.print(f"[bold]{title}[/bold]" + ("" if rows else ": nothing matches."), highlight=False)
    if rows:
        console.print(table)
    elif not title:
        console.print("Nothing matches.")
    for note in notes:
        console.print(f"[dim]{note}[/dim]", highlight=False)


def show_models(models: list[str], fmt: str) -> None:
    render([{"model": m} for m in models], [Column("model", "Model")], fmt, title=f"{len(models)} models")


def show_model_servers(model: str, servers: dict[str, list[str]], fmt: str) -> None:
    rows = [{"model": model, "model_server": s, "versions": " ".join(v)} for s, v in servers.items()]
    cols = [Column("model_server", "Model server"), Column("versions", "Versions")]
    render(rows, cols, fmt, title=f"Model servers for {model}", document={"model": model, "model_servers": servers})


def _usd(point: PerfPoint, pricing_model: str, which: str) -> float | None:
    cost = point.cost(pricing_model)
    return getattr(cost, which) if cost else None


PROFILE_COLUMNS = [
    Column("model", "Model"),
    Column("model_server", "Server"),
    Column("model_server_version", "Version"),
    Column("accelerator", "Accelerator"),
    Column("accelerator_count", "Count", numeric=True),
    Column("instance_type", "Instance type"),
    Column("queries_per_second", "req/s", "{:g}", True),
    Column("output_tokens_per_second", "Out tok/s", "{:,.0f}", True),
    Column("ttft_ms", "TTFT ms", "{:,.0f}", True),
    Column("ntpot_ms", "NTPOT ms", "{:,.0f}", True),
    Column("usd_per_million_output_tokens", "$/M out", "{:.3f}", True),
    Column("usd_per_million_input_tokens", "$/M in", "{:.3f}", True),
]


def _point_row(p: Profile, point: PerfPoint | None, pricing_model: str) -> dict[str, Any]:
    row: dict[str, Any] = {k: v for k, v in asdict(p).items() if k != "points"}
    if point:
        row.update(
            queries_per_second=point.queries_per_second,
            output_tokens_per_second=point.output_tokens_per_second,
            ttft_ms=point.ttft_ms,
            ntpot_ms=point.ntpot_ms,
            usd_per_million_output_tokens=_usd(point, pricing_model, "per_million_output_tokens"),
            usd_per_million_input_tokens=_usd(point, pricing_model, "per_million_input_tokens"),
            pricing_model=pricing_model,
        )
    return row


def best_point(p: Profile, target_ttft_ms: int | None, target_ntpot_ms: int | None) -> PerfPoint | None:
    """The highest-throughput published point that meets the targets."""
    fits = [pt for pt in p.points if (target_ttft_ms is None or pt.ttft_ms <= target_ttft_ms)
            and (target_ntpot_ms is None or pt.ntpot_ms <= target_ntpot_ms)]
    return max(fits, key=lambda pt: pt.output_tokens_per_second, default=None)


def show_profiles(plist: ProfileList, fmt: str, pricing_model: str = "spot", target_ttft_ms: int | None = None,
                  target_ntpot_ms: int | None = None) -> None:
    rows = [_point_row(p, best_point(p, target_ttft_ms, target_ntpot_ms), pricing_model) for p in plist.profiles]
    rows.sort(key=lambda r: (r["model"], r["model_server"], -(r.get("output_tokens_per_second") or 0)))
    notes = ["Each row is the profile's highest published throughput" + (" within the targets" if
             target_ttft_ms or target_ntpot_ms else "") + f"; cost at {pricing_model} prices. "
             "`pybench profiles benchmarks` shows every load level."]
    if plist.ranges:
        spans = {"output_tokens_per_second": "output tok/s", "ttft_ms": "TTFT ms", "ntpot_ms": "NTPOT ms"}
        notes.append("Range across these profiles: " + "; ".join(
            f"{label} {plist.ranges[k][0]:g}-{plist.ranges[k][1]:g}" for k, label in spans.items() if k in plist.ranges))
    if plist.comments:
        notes.append(f"GIQ: {plist.comments}")
    document = {"profiles": rows, "ranges": plist.ranges, "comments": plist.comments}
    render(rows, PROFILE_COLUMNS, fmt, title="GKE Inference Quickstart profiles", notes=notes, document=document)


def show_benchmarks(profiles: list[Profile], fmt: str, pricing_model: str = "spot") -> None:
    rows = [_point_row(p, pt, pricing_model) for p in profiles for pt in p.points]
    cols = [c for c in PROFILE_COLUMNS if c.key != "model"]
    title = f"Published benchmarks for {profiles[0].model}" if profiles else "Published benchmarks"
    notes = [f"Cost at {pricing_model} prices. GIQ reports NTPOT (request latency / output tokens), not TPOT."]
    render(rows, cols, fmt, title=title, notes=notes)


METRIC_LABELS = {"ttft_ms": "TTFT ms", "ntpot_ms": "NTPOT ms", "output_tokens_per_s": "Out tok/s"}


def comparison_rows(c: GiqComparison) -> list[dict[str, Any]]:
    return [
        {
            "run_id": c.run_id,
            "stage": s.stage,
            "rate": s.rate,
            "metric": m.metric,
            "published": m.published,
            "measured": m.measured,
            "difference": m.difference,
            "relative": m.relative,
            "verdict": m.verdict,
            "match": s.match,
        }
        for s in c.stages
        for m in s.metrics
    ]


def comparison_document(c: GiqComparison) -> dict[str, Any]:
    return {"run_id": c.run_id, "stat": c.stat, "profile": asdict(c.profile), "rows": comparison_rows(c),
            "notes": c.notes}


def show_comparisons(comparisons: list[GiqComparison], fmt: str) -> None:
    """One table per run; JSON is one document (a list of them for several runs); CSV is one table of all rows."""
    if fmt == "table":
        for c in comparisons:
            show_comparison(c, fmt)
    elif fmt == "json":
        docs = [comparison_document(c) for c in comparisons]
        print(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, default=str))
    else:
        rows = [r for c in comparisons for r in comparison_rows(c)]
        render(rows, [Column(k, k) for k in rows[0]] if rows else [], fmt)


def show_comparison(c: GiqComparison, fmt: str) -> None:
    rows = comparison_rows(c)
    for r in rows:
        r["metric_label"] = METRIC_LABELS[r["metric"]]
        r["relative_pct"] = None if r["relative"] is None else r["relative"] * 100
    cols = [
        Column("stage", "Stage"),
        Column("rate", "req/s", "{:.2f}", True),
        Column("metric_label" if fmt == "table" else "metric", "Metric"),
        Column("published", "Published", "{:,.1f}", True),
        Column("measured", "Measured", "{:,.1f}", True),
        Column("difference", "Difference", "{:+,.1f}", True),
        Column("relative_pct" if fmt == "table" else "relative", "Diff %", "{:+.0f}%", True),
        Column("verdict", "Verdict"),
        Column("match", "Published figure"),
    ]
    render(rows, cols, fmt, title=f"Run {c.run_id}: measured ({c.stat}) vs GKE Inference Quickstart", notes=c.notes,
           document=comparison_document(c))


@contextmanager
def rollout_progress() -> Iterator[Callable[[Any], None]]:
    """A live display of Deployments turning ready, on stderr; yields the callback wait_for_deployments takes."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        TextColumn("{task.completed}/{task.total} ready"),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[pods]}"),
        console=Console(stderr=True),
    )
    tasks: dict[str, Any] = {}

    def update(status: Any) -> None:
        key = f"{status.namespace}/{status.name}"
        pods = "; ".join(status.pods[:2]) or "waiting for pods"
        if key not in tasks:
            tasks[key] = progress.add_task(key, total=status.desired, pods=pods)
        progress.update(tasks[key], completed=status.ready, total=status.desired, pods=pods)

    with progress:
        yield update
