"""The bodies of `pybench report` and `pybench compare RUN_A RUN_B ...` (without --giq): pybench/cli/run.py parses
the options and calls these; they return what to print, and the run ids that are invalid."""

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from pybench.analysis.analyze import Options, RunAnalysis, analyze
from pybench.analysis.slo import parse_slos
from pybench.reports import resolve_run

FORMATS = ("table", "json", "csv", "markdown")


@dataclass
class Request:
    runs: list[str]
    results_dir: str = "results"
    slo: str | None = None
    fmt: str = "table"
    html: str | None = None
    prices: str | None = None
    warmup_s: float = 0.0
    accelerators_count: int | None = None
    per_request: bool = True
    noise_threshold: float = 0.10
    invalid: list[str] = field(default_factory=list)


def _analyses(req: Request) -> list[RunAnalysis]:
    options = Options(slos=parse_slos(req.slo) if req.slo else [], warmup_s=req.warmup_s, prices=req.prices,
                      accelerators_count=req.accelerators_count, use_per_request=req.per_request)
    analyses = [analyze(resolve_run(run, req.results_dir), options) for run in req.runs]
    req.invalid = [a.run_id for a in analyses if not a.verdict.valid]
    return analyses


def _html(req: Request, analyses: list[RunAnalysis], console: Console) -> None:
    if req.html:
        from pybench.analysis.html import write_html

        path = write_html(analyses, req.html)
        if req.fmt == "table":
            console.print(f"HTML report: {Path(path).resolve()}")


def report(req: Request, console: Console) -> str | None:
    """Print the analysis of each run as tables, or return it as JSON, CSV or Markdown; write the HTML report when
    asked."""
    analyses = _analyses(req)
    if req.fmt == "table":
        from pybench.analysis.tables import print_analysis

        for a in analyses:
            print_analysis(a, console)
    else:
        from pybench.analysis import formats

        text = {"json": formats.to_json, "csv": formats.to_csv, "markdown": formats.to_markdown}[req.fmt](analyses)
        _html(req, analyses, console)
        return text
    _html(req, analyses, console)
    return None


def compare(req: Request, console: Console) -> str | None:
    """Side by side with deltas against the first run; differences within run-to-run noise are marked as such."""
    from pybench.analysis.compare import compare as compare_runs

    analyses = _analyses(req)
    comparison = compare_runs(analyses, req.noise_threshold)
    for a in analyses:
        if not a.verdict.valid:
            comparison.notes.append(f"Run {a.run_id} is invalid ({'; '.join(a.verdict.reasons)}): its figures "
                                    "cannot be trusted.")
    if req.fmt == "table":
        from pybench.analysis.tables import print_comparison

        print_comparison(comparison, console)
        for a in analyses:
            if a.capacity is not None:
                console.print(f"{a.run_id}: {a.capacity.message}")
    else:
        from pybench.analysis import formats

        text = {"json": formats.comparison_json, "csv": formats.comparison_csv,
                "markdown": formats.comparison_markdown}[req.fmt](comparison)
        _html(req, analyses, console)
        return text
    _html(req, analyses, console)
    return None
