"""The HTML report is self-contained and its plots render: opened in headless Chromium with the network cut off,
the DOM after scripts ran holds plotly's SVG plots with every run's traces."""

import re
import shutil
import subprocess

import pytest
from conftest import FIXTURES

from pybench.analysis.analyze import Options, analyze
from pybench.analysis.html import figures, render, write_html
from pybench.analysis.slo import parse_slos

RUNS = [FIXTURES / "runs" / "sim-0.7-stream", FIXTURES / "runs" / "older-version"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.fail("chromium is missing: `make test` installs the Debian packages in .ci/apt-packages (as root)")


@pytest.fixture(scope="module")
def analyses():
    return [analyze(run, Options(slos=parse_slos("ttft_p95=200ms"))) for run in RUNS]


def test_html_is_self_contained(analyses):
    page = render(analyses)
    assert not re.search(r"<script[^>]+src=", page) and "<link" not in page
    assert page.count("Plotly.newPlot(") == 4
    assert "Run sim-0.7-stream" in page and "Run older-version" in page and "Insights" in page


def test_figures_overlay_every_run(analyses):
    figs = dict(figures(analyses))
    assert set(figs) == {"latency-vs-throughput", "ttft-vs-rate", "tpot-vs-rate", "throughput-vs-rate"}
    assert [t["name"] for t in figs["throughput-vs-rate"]["data"]] == ["sim-0.7-stream", "older-version"]
    assert len(figs["ttft-vs-rate"]["data"]) == 6  # p50, p95, p99 per run
    ttft = figs["ttft-vs-rate"]["data"][1]
    assert ttft["x"] == [2.0, 6.0, 12.0] and ttft["y"][0] == pytest.approx(152.18, abs=0.01)


def test_plots_render_in_headless_chromium(analyses, tmp_path):
    browser = chromium()
    page = write_html(analyses, tmp_path / "report.html")
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--proxy-server=127.0.0.1:9", "--virtual-time-budget=10000", "--dump-dom", page.resolve().as_uri()],
        check=False, capture_output=True, text=True, timeout=120,
    )
    dom = proc.stdout
    assert proc.returncode == 0 and "</html>" in dom, proc.stderr[-2000:]
    assert dom.count('class="plot-container plotly"') == 4, "plotly did not render the four plots"
    assert dom.count('class="main-svg"') >= 8
    for legend in ("sim-0.7-stream p95", "older-version p99"):
        assert legend in dom
    assert "Latency vs throughput" in dom and "TPOT percentiles vs rate" in dom
