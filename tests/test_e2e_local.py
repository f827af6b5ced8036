"""`pybench bench --target local` end to end: the real inference-perf against the built-in simulator."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import FIXTURES

from pybench.reports import load_run

PYBENCH = str(Path(sys.executable).with_name("pybench"))
TINY = str(FIXTURES / "scenarios" / "tiny.yaml")
# A server whose answers are easy to predict: 200 ms to first token, 5 ms per decode step, prefill nearly free.
KNOWN_LATENCY = ["ttft_ms=200", "decode_base_ms=5", "decode_ms_per_seq=0", "prefill_tokens_per_s=1000000"]


def bench(results: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    argv = [PYBENCH, "bench", "--target", "local", "--scenario", TINY, "--results-dir", str(results), *args]
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=120, **kw)


def only_run(results: Path) -> Path:
    (run_dir,) = results.iterdir()
    return run_dir


def sim_args(items):
    return [a for item in items for a in ("--sim-set", item)]


def test_a_local_run_measures_what_the_simulator_was_set_to_give(tmp_path):
    proc = bench(tmp_path, "--run-id", "e2e", *sim_args(KNOWN_LATENCY))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir = tmp_path / "e2e"
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "succeeded" and record["exit_code"] == 0
    assert record["tool_versions"]["inference-perf"] == "0.7.0"
    assert record["model"] == "pybench/sim-llama-3.1-8b" and record["accelerator"] == "nvidia-l4"
    for name in ("inference-perf-config.yaml", "inference-perf.log", "summary_lifecycle_metrics.json",
                 "stage_0_lifecycle_metrics.json", "stage_1_lifecycle_metrics.json",
                 "per_request_lifecycle_metrics.json"):
        assert (run_dir / name).is_file(), name

    result = load_run(run_dir)
    assert [s.successes for s in result.stages] == [12, 12]
    assert result.summary.failures == 0
    for stage in result.stages:
        assert 0.19 <= stage.ttft.p(50) <= 0.26, stage.ttft
        assert 0.004 <= stage.tpot.p(50) <= 0.012, stage.tpot
        assert stage.output_tokens.p(50) == 16 and stage.prompt_tokens.p(50) == 100
    assert "TTFT ms" in proc.stdout and "Valid run." in proc.stdout
    # the same analysis as `pybench report RUN`: cost, and percentiles recomputed from the per-request samples
    assert "Cost: 1 x nvidia-l4" in proc.stdout and "Percentiles recomputed exactly from 24" in proc.stdout


def test_a_run_where_every_request_fails_is_invalid_and_kept(tmp_path):
    # The simulator rejects prompts longer than its context: inference-perf still exits 0.
    proc = bench(tmp_path, "--run-id", "broken", "--sim-set", "max_model_len=50")
    assert proc.returncode == 1
    assert "run broken is invalid: no request succeeded (24 failed)" in proc.stderr
    record = json.loads((tmp_path / "broken" / "run.json").read_text())
    assert record["status"] == "invalid" and record["exit_code"] == 0
    assert (tmp_path / "broken" / "summary_lifecycle_metrics.json").is_file()
    assert "INVALID RUN" in proc.stdout
    assert "Insights" in proc.stdout and "24 of 24 requests (100.0%) failed" in proc.stdout


def test_ctrl_c_keeps_the_reports_of_what_ran(tmp_path):
    argv = [PYBENCH, "bench", "--scenario", TINY, "--results-dir", str(tmp_path), "--run-id", "cut",
            "--set", "load.stages.1.duration=60", "--set", "load.stage_teardown_grace_seconds=2"]
    # its own process group, so the SIGINT below reaches every process a terminal's Ctrl-C would reach
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    log = tmp_path / "cut" / "inference-perf.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Stage 1 - run started" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert "interrupted" in err
    record = json.loads((tmp_path / "cut" / "run.json").read_text())
    assert record["status"] == "interrupted"
    result = load_run(tmp_path / "cut")
    assert result.stages[0].successes == 12


def test_report_command_reprints_an_existing_run(tmp_path):
    proc = bench(tmp_path, "--run-id", "again", *sim_args(KNOWN_LATENCY))
    assert proc.returncode == 0
    again = subprocess.run([PYBENCH, "report", "again", "--results-dir", str(tmp_path)], check=False,
                           capture_output=True, text=True)
    assert again.returncode == 0
    assert "Run again" in again.stdout and "Valid run." in again.stdout


def test_a_server_dying_mid_run_makes_an_invalid_run_with_its_reports_kept(tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "pybench.simulator", "--port", "0"], stdout=subprocess.PIPE,
                              text=True)
    try:
        url = server.stdout.readline().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        from pybench.simulator import TOKENIZER_DIR

        argv = [PYBENCH, "bench", "--scenario", TINY, "--results-dir", str(tmp_path), "--run-id", "dies",
                "--endpoint", url, "--tokenizer", str(TOKENIZER_DIR), "--set", "load.stages.1.duration=6"]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        log = tmp_path / "dies" / "inference-perf.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Stage 1 - run started" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.2)
        server.kill()
        out, err = proc.communicate(timeout=180)
    finally:
        server.kill()
    assert proc.returncode == 1, out + err
    assert "run dies is invalid:" in err and "requests failed" in err
    result = load_run(tmp_path / "dies")
    assert result.stages[0].successes == 12 and result.stages[1].failures > 0
    assert json.loads((tmp_path / "dies" / "run.json").read_text())["status"] == "invalid"


def test_sigterm_stops_the_run_like_ctrl_c_and_leaves_no_process_behind(tmp_path):
    argv = [PYBENCH, "bench", "--scenario", TINY, "--results-dir", str(tmp_path), "--run-id", "term",
            "--set", "load.stages.1.duration=60", "--set", "load.stage_teardown_grace_seconds=2"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = tmp_path / "term" / "inference-perf.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Stage 1 - run started" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=True).stdout.split()
    assert len(children) == 2  # the simulator and inference-perf
    proc.terminate()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert json.loads((tmp_path / "term" / "run.json").read_text())["status"] == "interrupted"
    assert load_run(tmp_path / "term").stages[0].successes == 12
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert alive == [], "children outlived pybench"
