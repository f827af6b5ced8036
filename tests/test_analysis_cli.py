"""`pybench report` and `pybench compare RUN_A RUN_B`: formats, options, and one-line errors."""

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, write_json
from reportgen import lifecycle

from pybench.cli import main

REAL = FIXTURES / "runs" / "sim-0.7-stream"
OLDER = FIXTURES / "runs" / "older-version"


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def assert_one_line_error(code, output, expected):
    assert code == 1, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], output


def test_report_table():
    code, out = invoke("report", REAL, "--slo", "ttft_p95=200ms,tpot_p95=70ms")
    assert code == 0, out
    for text in ("Run sim-0.7-stream", "NTPOT", "SLO ttft_p95<=200ms, tpot_p95<=70ms", "Capacity:", "interpolated",
                 "Cost: 1 x nvidia-l4", "$ / M output tokens", "Insights", "TTFT over the SLO",
                 "recomputed exactly from 80 per-request samples", "Valid run."):
        assert text in out, text


def test_report_json():
    code, out = invoke("report", REAL, "--format", "json", "--slo", "ttft_p95=200ms", "--warmup", "1")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["run_id"] == "sim-0.7-stream" and doc["valid"] and doc["per_request_samples"] == 80
    assert doc["warmup_s"] == 1.0 and doc["stages"][0]["requests"] < 8  # warm-up left out
    assert [s["stage"] for s in doc["stages"]] == [0, 1, 2, "all"]
    assert doc["slo"]["capacity_how"] == "interpolated" and doc["cost"]["prices_as_of"]
    assert {i["kind"] for i in doc["insights"]} >= {"high_ttft"}


def test_report_csv_one_row_per_stage_of_every_run():
    code, out = invoke("report", REAL, OLDER, "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["run_id"], r["stage"]) for r in rows] == [
        ("sim-0.7-stream", "0"), ("sim-0.7-stream", "1"), ("sim-0.7-stream", "2"), ("sim-0.7-stream", "all"),
        ("older-version", "0"), ("older-version", "1"), ("older-version", "2"), ("older-version", "all")]
    assert float(rows[0]["ttft_p95_ms"]) == pytest.approx(float(rows[4]["ttft_p95_ms"]), abs=1e-3)


def test_report_markdown_of_an_older_version_run():
    code, out = invoke("report", OLDER, "--format", "markdown")
    assert code == 0, out
    assert out.startswith("## Run older-version") and "| Stage | Rate asked |" in out
    assert "No cost: run older-version does not say which accelerator served it" in out


def test_report_exits_1_for_an_invalid_run(tmp_path):
    write_json(tmp_path / "bad" / "stage_0_lifecycle_metrics.json", lifecycle(ok=0, failed=5,
                                                                              labels={"Connection Error": 5}))
    code, out = invoke("report", tmp_path / "bad")
    assert code == 1 and "INVALID RUN" in out and "could not reach the server" in out
    assert out.strip().splitlines()[-1] == "Error: run bad is invalid (see the verdict)."


def test_bad_slo_is_a_usage_error():
    code, out = invoke("report", REAL, "--slo", "ttft_p95=500")
    assert code == 2 and "Invalid value for --slo: SLO 'ttft_p95=500': the limit needs a unit" in out


def test_malformed_per_request_file_names_the_file(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(REAL, run)
    (run / "per_request_lifecycle_metrics.json").write_text('[{"start_time": 1, ')
    code, out = invoke("report", run)
    assert_one_line_error(code, out, f"Per-request file {run}/per_request_lifecycle_metrics.json is not valid JSON")
    code, out = invoke("report", run, "--no-per-request")  # the stage reports alone still work
    assert code == 0, out


def test_malformed_stage_report_names_the_file(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(OLDER, run)
    (run / "older-stage_1_lifecycle_metrics.json").write_text("{not json")
    code, out = invoke("report", run)
    assert_one_line_error(code, out, f"Report file {run}/older-stage_1_lifecycle_metrics.json is not valid JSON")


def test_bad_price_file_names_the_file(tmp_path):
    prices = tmp_path / "prices.yaml"
    prices.write_text("prices:\n  nvidia-l4: free\n")
    code, out = invoke("report", REAL, "--prices", prices)
    assert_one_line_error(code, out, f"Price file {prices}: price of 'nvidia-l4' must be a number")
    prices.write_text("prices:\n  nvidia-l4: 1.7\n")
    code, out = invoke("report", REAL, "--prices", prices, "--accelerators-count", "2", "--format", "json")
    assert json.loads(out)["cost"]["usd_per_accelerator_hour"] == 1.7
    assert json.loads(out)["stages"][0]["usd_per_m_output_tokens"] == pytest.approx(
        1.7 * 2 / 3600 / json.loads(out)["stages"][0]["output_tokens_per_s"] * 1e6)


def test_missing_run():
    code, out = invoke("report", "/no/such/run")
    assert_one_line_error(code, out, "No run folder at /no/such/run.")


def test_compare_formats(tmp_path):
    code, out = invoke("compare", REAL, OLDER, "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["runs"] == ["sim-0.7-stream", "older-version"]
    assert {r["stage"] for r in doc["rows"]} == {"2 req/s", "6 req/s", "12 req/s"}
    same = next(r for r in doc["rows"] if r["metric"] == "ttft_p95" and r["stage"] == "2 req/s")
    assert same["older-version_real"] is False
    code, out = invoke("compare", REAL, OLDER, "--format", "markdown")
    assert code == 0 and "| Stage | Metric | sim-0.7-stream (baseline) |" in out
    code, out = invoke("compare", REAL, OLDER)
    assert code == 0 and "Comparison against sim-0.7-stream (baseline)" in out and "~noise" in out


def test_compare_needs_two_runs_without_giq():
    code, out = invoke("compare", REAL)
    assert code == 2 and "Comparing runs needs at least two runs" in out


def test_compare_giq_has_no_markdown():
    code, out = invoke("compare", REAL, "--giq", "--format", "markdown")
    assert code == 2 and "markdown is not available with --giq" in out


def test_html_option_writes_the_report(tmp_path):
    target = tmp_path / "out" / "report.html"
    code, out = invoke("report", REAL, "--html", target)
    assert code == 0 and "HTML report:" in out and target.stat().st_size > 1_000_000
    code, out = invoke("compare", REAL, OLDER, "--html", tmp_path / "c.html", "--format", "csv")
    assert code == 0 and (tmp_path / "c.html").exists() and out.startswith("stage,metric,unit,")


def test_compare_says_when_a_run_is_invalid(tmp_path):
    write_json(tmp_path / "bad" / "stage_0_lifecycle_metrics.json", lifecycle(rate=2, ok=1, failed=9,
                                                                              labels={"Timeout": 9}))
    code, out = invoke("compare", OLDER, tmp_path / "bad", "--format", "json")
    assert code == 0, out
    assert any(n.startswith("Run bad is invalid (9 of 10 requests failed") for n in json.loads(out)["notes"])
