"""A self-contained HTML report: plotly.js inlined (it opens offline), the plots users judge a server by - latency
vs throughput, TTFT and TPOT percentiles vs rate, throughput vs rate - with several runs overlaid, then each run's
stage table, SLO capacity, cost and insights.

Figures are written as plain plotly JSON specs (no plotly.graph_objects import: it is slow and not needed)."""

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from pybench.analysis.analyze import RunAnalysis
from pybench.analysis.formats import stage_row
from pybench.analysis.slo import stage_rate

DASHES = {50: "solid", 95: "dash", 99: "dot"}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0;
font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1em}.plot{height:420px}
.critical{color:#b00020}.warning{color:#a05a00}.info{color:#00658f}.note{color:#666;font-size:13px}"""


def plotly_js() -> str:
    path = resources.files("plotly") / "package_data" / "plotly.min.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs  # older plotly layouts

    return get_plotlyjs()


def _points(a: RunAnalysis) -> list[Any]:
    return [s for s in a.run.stages if stage_rate(s)] or ([a.run.summary] if a.run.summary else [])


def _ms(v: float | None) -> float | None:
    return None if v is None else v * 1000


def figures(analyses: list[RunAnalysis]) -> list[tuple[str, dict[str, Any]]]:
    lat: list[dict[str, Any]] = []
    ttft: list[dict[str, Any]] = []
    tpot: list[dict[str, Any]] = []
    tput: list[dict[str, Any]] = []
    for n, a in enumerate(analyses):
        color = COLORS[n % len(COLORS)]
        pts = sorted(_points(a), key=lambda s: stage_rate(s) or 0.0)
        rates = [stage_rate(s) for s in pts]
        labels = [f"stage {s.stage}: {stage_rate(s) or 0:g} req/s" for s in pts]
        lat.append({"type": "scatter", "mode": "lines+markers", "name": a.run_id, "text": labels, "line": {"color": color},
                    "x": [s.output_tokens_per_s for s in pts], "y": [s.e2e.p(95) for s in pts]})
        tput.append({"type": "scatter", "mode": "lines+markers", "name": a.run_id, "x": rates, "line": {"color": color},
                     "y": [s.output_tokens_per_s for s in pts], "text": labels})
        for q, dash in DASHES.items():
            for target, attr in ((ttft, "ttft"), (tpot, "tpot")):
                target.append({"type": "scatter", "mode": "lines+markers", "name": f"{a.run_id} p{q}",
                               "line": {"dash": dash, "color": color}, "x": rates, "y": [_ms(getattr(s, attr).p(q)) for s in pts]})

    def layout(title: str, x: str, y: str) -> dict[str, Any]:
        return {"title": {"text": title}, "xaxis": {"title": {"text": x}}, "yaxis": {"title": {"text": y}},
                "legend": {"orientation": "h", "y": -0.2, "yanchor": "top"}, "margin": {"t": 50, "b": 110}}

    return [
        ("latency-vs-throughput", {"data": lat, "layout": layout("Latency vs throughput", "output tokens/s",
                                                                  "end-to-end latency p95 (s)")}),
        ("ttft-vs-rate", {"data": ttft, "layout": layout("TTFT percentiles vs rate", "request rate (req/s)",
                                                         "TTFT (ms)")}),
        ("tpot-vs-rate", {"data": tpot, "layout": layout("TPOT percentiles vs rate", "request rate (req/s)",
                                                         "TPOT (ms)")}),
        ("throughput-vs-rate", {"data": tput, "layout": layout("Throughput vs rate", "request rate (req/s)",
                                                               "output tokens/s")}),
    ]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, dict):
        return html.escape(", ".join(f"{k}: {v}" for k, v in value.items())) or "-"
    return html.escape(str(value))


COLUMNS = [("stage", "Stage"), ("requested_rate", "Rate asked"), ("achieved_rate", "Rate sent"),
           ("ttft_p50_ms", "TTFT p50 ms"), ("ttft_p95_ms", "TTFT p95 ms"), ("ttft_p99_ms", "TTFT p99 ms"),
           ("tpot_p50_ms", "TPOT p50 ms"), ("tpot_p95_ms", "TPOT p95 ms"), ("itl_p95_ms", "ITL p95 ms"),
           ("ntpot_p95_ms", "NTPOT p95 ms"), ("e2e_p95_s", "E2E p95 s"), ("e2e_p99_s", "E2E p99 s"),
           ("output_tokens_per_s", "Output tok/s"), ("requests_per_s", "Req/s"), ("successes", "OK"),
           ("failures", "Failed"), ("failures_by_label", "Failures by label"), ("goodput_rps", "Goodput req/s"),
           ("usd_per_m_output_tokens", "$/M output"), ("usd_per_m_input_tokens", "$/M input"),
           ("server_kv_cache_peak_pct", "KV cache peak %"), ("server_waiting_mean", "Waiting")]


def run_section(a: RunAnalysis) -> str:
    rows = [stage_row(a, s) for s in [*a.run.stages, *([a.run.summary] if a.run.summary else [])]]
    cols = [(k, label) for k, label in COLUMNS if any(r.get(k) not in (None, {}) for r in rows)]
    record = a.run.record
    out = [f"<h2>Run {html.escape(a.run_id)}</h2>",
           (f"<p>{html.escape(str(record.get('model') or '?'))} on {html.escape(str(record.get('accelerator') or '?'))}"
           f" &middot; {'valid' if a.verdict.valid else 'INVALID: ' + html.escape('; '.join(a.verdict.reasons))}</p>"),
           "<table><tr>" + "".join(f"<th>{html.escape(label)}</th>" for _, label in cols) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{_cell(r.get(k))}</td>" for k, _ in cols) + "</tr>" for r in rows]
    out.append("</table>")
    if a.capacity is not None:
        out.append(f"<p><b>SLO</b> ({html.escape(', '.join(s.text for s in a.slos))}): "
                   f"{html.escape(a.capacity.message)}</p>")
    if a.cost is not None:
        t = a.cost.table
        out.append(f"<p><b>Cost</b>: {a.cost.count} x {html.escape(a.cost.accelerator)} at "
                   f"${a.cost.price_per_hour:.2f}/h (prices as of {html.escape(t.as_of)}; {html.escape(t.source)})</p>")
    if a.insights:
        out.append("<h3>Insights</h3><ul>")
        out += [f"<li class='{i.severity}'><b>{html.escape(i.title)}</b>: {html.escape(i.evidence)}<br>"
                f"<i>{html.escape(i.recommendation)}</i></li>" for i in a.insights]
        out.append("</ul>")
    out += [f"<p class='note'>{html.escape(n)}</p>" for n in a.notes]
    return "\n".join(out)


def _js(value: Any) -> str:
    """JSON safe inside a <script> element (a run id holding '</script>' must not end it)."""
    return json.dumps(value).replace("</", "<\\/")


def render(analyses: list[RunAnalysis]) -> str:
    figs = figures(analyses)
    title = "pybench report: " + ", ".join(a.run_id for a in analyses)
    divs = "\n".join(f"<div class='plot' id='{name}'></div>" for name, _ in figs)
    calls = "\n".join(f"Plotly.newPlot({_js(name)}, {_js(spec['data'])}, {_js(spec['layout'])}, {{responsive: true}});"
                      for name, spec in figs)
    sections = "\n".join(run_section(a) for a in analyses)
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style>\n<script>{plotly_js()}</script></head>\n<body><h1>{html.escape(title)}</h1>\n"
            f"<div class='grid'>{divs}</div>\n{sections}\n<script>{calls}</script></body></html>\n")


def write_html(analyses: list[RunAnalysis], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(analyses), encoding="utf-8")
    return path
