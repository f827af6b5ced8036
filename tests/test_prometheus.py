"""A real Prometheus (Debian package `prometheus`) scraping the simulator: inference-perf's own vLLM queries work
against it unchanged, and `pybench bench --target local --prometheus` puts the server-side metrics in the report."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from pybench.errors import ToolError
from pybench.reports import load_run
from pybench.simulator import running

ROOT = Path(__file__).resolve().parents[1]
PYBENCH = str(Path(sys.executable).with_name("pybench"))
MODEL = "pybench/sim-llama-3.1-8b"


def post(url: str, body: dict) -> None:
    request = urllib.request.Request(url + "/v1/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


def test_the_generated_config_scrapes_the_targets_often():
    from pybench.prometheus_server import scrape_config

    config = scrape_config(["127.0.0.1:8000"], 1)
    (job,) = config["scrape_configs"]
    assert job["static_configs"] == [{"targets": ["127.0.0.1:8000"]}] and job["metrics_path"] == "/metrics"
    assert job["scrape_interval"] == "1s" == config["global"]["scrape_interval"]


def test_a_missing_binary_says_how_to_install_it(monkeypatch):
    from pybench import prometheus_server

    monkeypatch.setattr(prometheus_server, "DEBIAN_BINARY", "/nonexistent/prometheus")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("PROMETHEUS_BIN", raising=False)
    with pytest.raises(ToolError, match=r"Prometheus is not installed: `apt-get install prometheus`"):
        prometheus_server.find_prometheus()


def test_the_ci_machine_installs_prometheus():
    assert "prometheus" in (ROOT / ".ci" / "apt-packages").read_text().split()


def test_inference_perf_vllm_queries_read_the_simulator_through_prometheus():
    from inference_perf.client.modelserver.vllm_client import vLLMModelServerClient
    from inference_perf.client.server_metrics.prometheus_client import PrometheusMetricsClient
    from inference_perf.config import PrometheusClientConfig

    from pybench.prometheus_server import query, running_prometheus

    with running("nvidia-h100-80gb", overrides={"ttft_ms": 1}) as url:
        target = url.removeprefix("http://")
        with running_prometheus([target], scrape_interval_s=1) as prometheus_url:
            assert query(prometheus_url, f'vllm:num_requests_running{{model_name="{MODEL}"}}')
            start = time.time()
            prompt = " ".join(["river mountain ocean forest"] * 40)  # the same prompt: later ones hit the cache
            for _ in range(10):
                post(url, {"prompt": prompt, "max_tokens": 20, "ignore_eos": True})
            time.sleep(3.5)  # two scrapes after the last request
            client = PrometheusMetricsClient(PrometheusClientConfig(url=prometheus_url, scrape_interval=1))
            # inference-perf's own metric declarations and PromQL, exactly as a run uses them
            metadata = vLLMModelServerClient.get_prometheus_metric_metadata(
                SimpleNamespace(metric_filters=[f"model_name='{MODEL}'"]))  # type: ignore[arg-type]
            metrics = client.get_model_server_metrics(metadata, time.time() - start + 5, time.time())
        with pytest.raises(OSError):
            urllib.request.urlopen(prometheus_url + "/-/ready", timeout=2)  # stopped afterwards
    assert metrics is not None
    assert 8 <= metrics.requests.total <= 13  # increase() extrapolates to the window's edges
    assert 170 <= metrics.output_tokens.total / metrics.requests.total * 10 <= 230
    assert metrics.time_to_first_token.avg > 0 and metrics.time_per_output_token.avg > 0
    assert metrics.inter_token_latency.avg > 0 and metrics.request_queue_time.per_second > 0
    assert metrics.prefix_cache_queries.total > 0 and metrics.prefix_cache_hits.total > 0
    assert metrics.num_preemptions_total.total == 0 and metrics.kv_cache_usage.p99 >= 0


def test_bench_with_prometheus_reports_server_metrics(tmp_path):
    scenario = tmp_path / "shared.yaml"
    scenario.write_text(yaml.safe_dump({
        "api": {"type": "chat", "streaming": True},
        "data": {"type": "shared_prefix", "shared_prefix": {
            "num_groups": 2, "num_prompts_per_group": 8, "system_prompt_len": 512, "question_len": 32,
            "output_len": 16}},
        "load": {"type": "constant", "interval": 1, "num_workers": 1,
                 "stages": [{"rate": 4, "duration": 4}, {"rate": 8, "duration": 3}]},
        "report": {"request_lifecycle": {"summary": True, "per_stage": True, "per_request": False}},
    }))
    argv = [PYBENCH, "bench", "--target", "local", "--scenario", str(scenario), "--results-dir", str(tmp_path),
            "--run-id", "prom", "--prometheus", "--accelerator", "nvidia-h100-80gb"]
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run_dir = tmp_path / "prom"
    for name in ("summary_prometheus_metrics.json", "stage_0_prometheus_metrics.json",
                 "stage_1_prometheus_metrics.json", "prometheus.log"):
        assert (run_dir / name).is_file(), name
    config = yaml.safe_load((run_dir / "inference-perf-config.yaml").read_text())
    assert config["metrics"]["type"] == "prometheus" and config["metrics"]["prometheus"]["scrape_interval"] == 1
    assert json.loads((run_dir / "run.json").read_text())["extra"]["prometheus"] is True

    from pybench.analysis.prometheus import server_metrics

    result = load_run(run_dir)
    server = server_metrics(result.summary)
    assert server is not None and server.running_mean and server.running_mean > 0
    assert server.prefix_cache_hit_pct and server.prefix_cache_hit_pct > 50  # 16 prompts, 2 shared system prompts
    assert server.ttft.mean and server.ttft.mean > 0
    assert [server_metrics(s) is not None for s in result.stages] == [True, True]
    assert "Server metrics" in proc.stdout
