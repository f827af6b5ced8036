"""`pybench profiles ...` and `pybench compare RUN --giq` end to end: the CLI, the real gkerecommender client on
PYBENCH_GIQ_ENDPOINT (tests/fake_giq.py) and, for --apply, the real kubernetes client (tests/fake_k8s)."""

import csv
import io
import json
import tempfile

import pytest
from click.testing import CliRunner
from fake_giq import LLAMA_8B, PROFILES, FakeGiq, service_disabled_error
from fake_k8s import FakeCluster, write_kubeconfig
from reportgen import lifecycle

from pybench.cli import main
from pybench.quickstart import deploy
from pybench.quickstart.client import ENDPOINT_ENV

COMMANDS = [["profiles"], ["profiles", "models"], ["profiles", "list"], ["profiles", "benchmarks"],
            ["profiles", "manifest"], ["compare"]]


@pytest.fixture
def giq(monkeypatch):
    with FakeGiq() as server:
        monkeypatch.setenv(ENDPOINT_ENV, server.url)
        yield server


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "220"}).invoke(main, list(args))
    return result.exit_code, result.output


def assert_one_line_error(code: int, output: str, expected: str) -> None:
    assert code == 1, output
    assert output.strip().splitlines() == [f"Error: {expected}"]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command):
    code, out = invoke(*command, "-h")
    assert code == 0, out
    assert "Example:\n    pybench " in out


def test_models_table_and_json(giq):
    code, out = invoke("profiles", "models")
    assert code == 0, out
    assert "6 models" in out and "mistralai/Mistral-7B-Instruct-v0.3" in out
    code, out = invoke("profiles", "models", "--format", "json")
    assert json.loads(out)[0] == {"model": LLAMA_8B}


def test_model_servers_of_a_model(giq):
    code, out = invoke("profiles", "models", "--model", LLAMA_8B, "--format", "json")
    assert code == 0, out
    assert json.loads(out) == {"model": LLAMA_8B, "model_servers": {"tgi": ["3.2.3"], "vllm": ["v0.7.2", "v0.8.5"]}}


def test_list_with_targets_and_pricing_model(giq):
    code, out = invoke("profiles", "list", "--model", LLAMA_8B, "--model-server", "vllm", "--target-ttft-ms", "300",
                       "--target-ntpot-ms", "80", "--pricing-model", "on-demand", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    rows = {(r["accelerator"], r["model_server_version"]): r for r in doc["profiles"]}
    assert set(rows) == {("nvidia-l4", "v0.8.5"), ("nvidia-l4", "v0.7.2"), ("nvidia-h100-80gb", "v0.8.5")}
    l4 = rows[("nvidia-l4", "v0.8.5")]
    assert l4["ttft_ms"] <= 300 and l4["ntpot_ms"] <= 80 and l4["pricing_model"] == "on-demand"
    published = [s for s in PROFILES[0]["performanceStats"]
                 if s["ttftMilliseconds"] <= 300 and s["ntpotMilliseconds"] <= 80]
    assert l4["output_tokens_per_second"] == max(s["outputTokensPerSecond"] for s in published)
    assert doc["comments"].startswith("Benchmarked with inference-perf")


def test_list_table(giq):
    code, out = invoke("profiles", "list", "--model", "google/gemma-3-27b-it")
    assert code == 0, out
    assert "GKE Inference Quickstart profiles" in out
    assert "nvidia-a100-80gb" in out and "a2-ultragpu-1g" in out
    assert "GIQ: Benchmarked with inference-perf" in out


def test_benchmarks_csv(giq):
    code, out = invoke("profiles", "benchmarks", "--model", LLAMA_8B, "--model-server", "vllm",
                       "--instance-type", "g2-standard-24", "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["queries_per_second"]) for r in rows] == [1.0, 2.0, 4.0, 8.0, 12.0]
    assert {r["instance_type"] for r in rows} == {"g2-standard-24"}
    assert all(r["usd_per_million_output_tokens"] for r in rows)


def test_benchmarks_for_an_instance_type_without_one(giq):
    code, out = invoke("profiles", "benchmarks", "--model", LLAMA_8B, "--model-server", "vllm",
                       "--instance-type", "a2-highgpu-1g")
    assert_one_line_error(code, out, "GKE Inference Quickstart has no benchmark for meta-llama/Llama-3.1-8B-Instruct "
                                     "on vllm with a2-highgpu-1g; instance types with one: a3-highgpu-1g, "
                                     "g2-standard-24.")


def test_api_not_enabled(giq):
    giq.data.error = service_disabled_error("4242")
    code, out = invoke("profiles", "models")
    assert_one_line_error(code, out, "The GKE Inference Quickstart API (gkerecommender.googleapis.com) is not enabled "
                                     "in project 4242. Enable it with `gcloud services enable "
                                     "gkerecommender.googleapis.com --project 4242` and retry in a minute.")


def test_unknown_model(giq):
    code, out = invoke("profiles", "list", "--model", "Qwen2.5-7B-Instruct")
    assert_one_line_error(code, out, "GKE Inference Quickstart has no model 'Qwen2.5-7B-Instruct'. Close matches: "
                                     "Qwen/Qwen2.5-7B-Instruct. `pybench profiles models` lists all 6.")


def test_manifest_for_an_accelerator_without_a_profile(giq, tmp_path):
    code, out = invoke("profiles", "manifest", "--model", LLAMA_8B, "--model-server", "vllm",
                       "--accelerator", "nvidia-a100-80gb", "--output-dir", str(tmp_path))
    assert_one_line_error(code, out, "GKE Inference Quickstart has no profile for meta-llama/Llama-3.1-8B-Instruct on "
                                     "vllm with nvidia-a100-80gb. Accelerators with a profile: nvidia-h100-80gb "
                                     "(a3-highgpu-1g), nvidia-l4 (g2-standard-24).")
    assert not list(tmp_path.iterdir())


def test_manifest_writes_files_and_prints_the_endpoint(giq, tmp_path):
    code, out = invoke("profiles", "manifest", "--model", LLAMA_8B, "--model-server", "vllm", "--accelerator",
                       "nvidia-l4", "--namespace", "bench", "--target-ntpot-ms", "60", "--output-dir", str(tmp_path))
    assert code == 0, out
    folder = tmp_path / "meta-llama-llama-3.1-8b-instruct-nvidia-l4"
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-deployment-vllm-llama-3-1-8b-instruct-deployment.yaml", "02-service-vllm-service.yaml",
        "03-podmonitoring-vllm-podmonitoring.yaml", "04-horizontalpodautoscaler-vllm-hpa.yaml", "README.md"]
    assert f"Wrote 4 manifests and GIQ's comments to {folder}/" in out
    assert "GIQ: Create the hf-secret Secret" in out
    assert "Endpoint: http://vllm-service.bench.svc.cluster.local:8000" in out


def test_manifest_apply_follows_the_deployment(giq, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(deploy, "POLL_S", 0.01)
    with FakeCluster() as kube:
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", kube.url)))
        code, out = invoke("profiles", "manifest", "--model", LLAMA_8B, "--model-server", "vllm", "--accelerator",
                           "nvidia-l4", "--namespace", "bench", "--output-dir", str(tmp_path / "out"), "--apply")
    assert code == 0, out
    assert "deployment.apps/vllm-llama-3-1-8b-instruct-deployment applied in bench" in out
    assert "podmonitoring.monitoring.googleapis.com/vllm-podmonitoring applied in bench" in out
    assert "bench/vllm-llama-3-1-8b-instruct-deployment" in out  # the progress display
    assert out.strip().splitlines()[-3:] == [
        "Deployment ready.",
        "Endpoint: http://vllm-service.bench.svc.cluster.local:8000",
        ("  pybench bench --target gke --endpoint http://vllm-service.bench.svc.cluster.local:8000 "
         "--model meta-llama/Llama-3.1-8B-Instruct --accelerator nvidia-l4"),
    ]


def test_manifest_apply_stops_on_a_pod_that_cannot_start(giq, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(deploy, "POLL_S", 0.01)
    with FakeCluster() as kube:
        kube.pod_waiting = "CreateContainerConfigError"
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", kube.url)))
        code, out = invoke("profiles", "manifest", "--model", LLAMA_8B, "--model-server", "vllm", "--accelerator",
                           "nvidia-l4", "--namespace", "bench", "--output-dir", str(tmp_path / "out"), "--apply")
    assert code == 1, out
    assert out.strip().splitlines()[-1].startswith(
        "Error: Deployment bench/vllm-llama-3-1-8b-instruct-deployment cannot become ready: "
        "vllm-llama-3-1-8b-instruct-deployment-7d9f-abcde: CreateContainerConfigError: secret \"hf-secret\" not found.")


def write_run(folder, record, stages):
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps(record))
    for i, report in enumerate(stages):
        (folder / f"stage_{i}_lifecycle_metrics.json").write_text(json.dumps(report))
    return folder


@pytest.fixture
def run_dir(tmp_path):
    record = {"run_id": "sweep-l4", "scenario": "sweep", "target": "gke", "accelerator": "nvidia-l4",
              "model": LLAMA_8B, "endpoint": "http://vllm-service.bench.svc.cluster.local:8000",
              "extra": {"model_server": "vllm"}}
    return write_run(tmp_path / "results" / "sweep-l4", record, [
        lifecycle(rate=3.0, ttft=0.250, e2e=3.2, out_tps=500.0),  # NTPOT = e2e / 64 output tokens = 50 ms
        lifecycle(rate=20.0, ttft=0.900, e2e=6.4, out_tps=1500.0),
    ])


def published(qps):
    return next(s for s in PROFILES[0]["performanceStats"] if s["queriesPerSecond"] == qps)


def test_compare_giq_json(giq, run_dir):
    code, out = invoke("compare", str(run_dir), "--giq", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert (doc["run_id"], doc["stat"]) == ("sweep-l4", "p50")
    assert (doc["profile"]["instance_type"], doc["profile"]["model_server_version"]) == ("g2-standard-24", "v0.8.5")
    rows = {(r["stage"], r["metric"]): r for r in doc["rows"]}
    lo, hi = published(2.0), published(4.0)
    ttft = rows[(0, "ttft_ms")]
    assert ttft["published"] == pytest.approx((lo["ttftMilliseconds"] + hi["ttftMilliseconds"]) / 2)
    assert ttft["measured"] == pytest.approx(250.0)
    assert ttft["difference"] == pytest.approx(250.0 - ttft["published"])
    assert ttft["match"] == "interpolated 2-4 req/s"
    ntpot = rows[(0, "ntpot_ms")]
    assert ntpot["published"] == pytest.approx((lo["ntpotMilliseconds"] + hi["ntpotMilliseconds"]) / 2)
    assert ntpot["measured"] == pytest.approx(50.0)
    tps = rows[(0, "output_tokens_per_s")]
    assert (tps["published"], tps["measured"]) == \
        (pytest.approx((lo["outputTokensPerSecond"] + hi["outputTokensPerSecond"]) / 2), 500.0)
    assert rows[(1, "ttft_ms")]["published"] == published(12.0)["ttftMilliseconds"]
    assert rows[(1, "ttft_ms")]["match"] == "nearest: 12 req/s (outside the published range)"


def test_compare_giq_table_by_run_id(giq, run_dir, monkeypatch):
    monkeypatch.setenv("PYBENCH_RESULTS", str(run_dir.parent))
    code, out = invoke("compare", "sweep-l4", "--giq", "--match", "nearest")
    assert code == 0, out
    assert "Run sweep-l4: measured (p50) vs GKE Inference Quickstart" in out
    assert "NTPOT ms" in out and "nearest: 2 req/s" in out
    assert "Published: meta-llama/Llama-3.1-8B-Instruct on vllm v0.8.5 with 2 x nvidia-l4 (g2-standard-24)" in out


def test_compare_giq_without_a_published_accelerator(giq, run_dir):
    code, out = invoke("compare", str(run_dir), "--giq", "--accelerator", "tpu-v6e-slice")
    assert_one_line_error(code, out, "GKE Inference Quickstart has no benchmark for meta-llama/Llama-3.1-8B-Instruct "
                                     "on vllm with tpu-v6e-slice. Published: nvidia-h100-80gb (a3-highgpu-1g), "
                                     "nvidia-l4 (g2-standard-24).")


def test_compare_giq_needs_the_model_server(giq, tmp_path):
    folder = write_run(tmp_path / "r1", {"run_id": "r1", "accelerator": "nvidia-l4", "model": LLAMA_8B},
                       [lifecycle(rate=2.0)])
    code, out = invoke("compare", str(folder), "--giq")
    assert_one_line_error(code, out, "run.json of r1 does not say which model server it measured; pass "
                                     "--model-server.")


def test_compare_without_giq_compares_the_runs_with_each_other(run_dir):
    # run-vs-run comparison lives in pybench/analysis (tests/test_analysis_cli.py); --giq stays this branch
    code, out = invoke("compare", str(run_dir), str(run_dir), "--format", "json")
    assert code == 0, out
    assert json.loads(out)["runs"] == ["sweep-l4", "sweep-l4"]


def test_compare_giq_several_runs_give_one_document(giq, run_dir):
    code, out = invoke("compare", str(run_dir), str(run_dir), "--giq", "--format", "json")
    assert code == 0, out
    assert [d["run_id"] for d in json.loads(out)] == ["sweep-l4", "sweep-l4"]
    code, out = invoke("compare", str(run_dir), str(run_dir), "--giq", "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 * 2 * 3  # runs x stages x metrics, under one header
    assert rows[0]["metric"] == "ttft_ms" and float(rows[0]["measured"]) == pytest.approx(250.0)
