"""Server-side metrics: inference-perf's prometheus reports read into the model and shown in the views."""

import csv
import io
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, write_json

from pybench.analysis.prometheus import parse_server, server_metrics
from pybench.cli import main
from pybench.reports import load_run


def prometheus_report(kv_fraction=0.6, waiting=2.5):
    """The shape of reportgen.base.summarize_prometheus_metrics(...).model_dump()."""
    gauge = {"mean": kv_fraction * 0.8, "median": kv_fraction * 0.8, "p90": kv_fraction * 0.95, "p99": kv_fraction}
    return {
        "benchmark_time_seconds": 0.0, "load_summary": {}, "failures": {},
        "successes": {
            "count": 100, "rate": 4.0, "prompt_len": {"mean": 256.0, "rate": 1024.0},
            "output_len": {"mean": 64.0, "rate": 256.0}, "queue_len": {"mean": waiting},
            "request_latency": {"mean": 1.0, "median": 0.9, "p90": 1.4, "p99": 2.0},
            "time_to_first_token": {"mean": 0.1, "median": 0.09, "p90": 0.2, "p99": 0.3},
            "time_per_output_token": {"mean": 0.02, "median": 0.02, "p90": 0.03, "p99": 0.04},
            "kv_cache_usage_percentage": gauge, "num_requests_swapped": {"mean": 0.0},
            "num_preemptions_total": {"mean": 3.0}, "prefix_cache_hit_percent": {"mean": 40.0},
            "num_requests_running": {"mean": 12.0},
            "request_queue_time": {"mean": 0.05, "median": 0.04, "p90": 0.1, "p99": 0.2},
        },
    }


def test_parse_server_metrics():
    m = parse_server(prometheus_report(kv_fraction=0.97))
    assert (m.waiting_mean, m.running_mean, m.preemptions, m.prefix_cache_hit_pct) == (2.5, 12.0, 3.0, 40.0)
    assert m.kv_peak_pct == pytest.approx(97.0) and m.kv_cache_pct.mean == pytest.approx(77.6)  # fraction -> %
    assert m.ttft.p(99) == 0.3 and m.queue_time.p(90) == 0.1
    assert parse_server({}) is None and parse_server(None) is None
    assert parse_server({"successes": {"count": 0}}) is None


@pytest.fixture
def run_with_prometheus(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(FIXTURES / "runs" / "sim-0.7-stream", run)
    for i, kv in enumerate((0.3, 0.6, 0.97)):
        write_json(run / f"stage_{i}_prometheus_metrics.json", prometheus_report(kv_fraction=kv, waiting=i * 2.0))
    write_json(run / "summary_prometheus_metrics.json", prometheus_report())
    return run


def test_load_run_attaches_and_views_show_them(run_with_prometheus):
    result = load_run(run_with_prometheus)
    assert server_metrics(result.stages[2]).kv_peak_pct == pytest.approx(97.0)
    out = CliRunner().invoke(main, ["report", str(run_with_prometheus)]).output
    assert "Server metrics (Prometheus)" in out and "KV cache %" in out
    out = CliRunner().invoke(main, ["report", str(run_with_prometheus), "--format", "csv"]).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["server_kv_cache_peak_pct"]) for r in rows[:3]] == pytest.approx([30.0, 60.0, 97.0])
    assert rows[1]["server_waiting_mean"] == "2.0"


def test_full_kv_cache_shows_in_ttft_advice(run_with_prometheus):
    out = CliRunner().invoke(main, ["report", str(run_with_prometheus), "--slo", "ttft_p95=200ms",
                                    "--format", "json"]).output
    assert "The server's KV cache reached 97% in stage 2" in out
