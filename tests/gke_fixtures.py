"""The cluster-run test bed as a pytest plugin: a fake Kubernetes API server (tests/fake_k8s.py) with the bench
namespace, its service account and a ready model-server Service, a fresh fake-gcs-server bucket, and the
environment pybench reads (KUBECONFIG, NAMESPACE, KSA, BUCKET, fast polling)."""

import json

import pytest
from click.testing import CliRunner
from fake_k8s import FakeCluster, write_kubeconfig
from reportgen import lifecycle

from pybench.cli import main

ENDPOINT = "http://vllm.bench.svc.cluster.local:8000"
MODEL = "meta-llama/Llama-3.1-8B-Instruct"


def log_lines(stages=3):
    lines = [("2026-01-01 10:00:00 - inference_perf.client.filestorage.local - INFO - Report files will be stored at: "
             "/output/reports")]
    for i in range(stages):
        lines += [f"2026-01-01 10:00:0{i} - inference_perf.loadgen.load_generator - INFO - Stage {i} - run started",
                  f"2026-01-01 10:00:0{i} - inference_perf.loadgen.load_generator - INFO - Stage {i} - run completed"]
    return lines + ["=== START_SUMMARY ===", "=== END_SUMMARY ==="]


def reports_uploader(client, stages=3, summary=True):
    """What inference-perf does at the end of a run: upload its reports to storage.google_cloud_storage."""
    def upload(config):
        gcs_config = config["storage"]["google_cloud_storage"]
        bucket = client.bucket(gcs_config["bucket_name"])
        names = {f"stage_{i}_lifecycle_metrics.json": lifecycle(rate=4.0 * (i + 1)) for i in range(stages)}
        if summary:
            names["summary_lifecycle_metrics.json"] = lifecycle()
        for name, report in names.items():
            bucket.blob(f"{gcs_config['path']}/{name}").upload_from_string(json.dumps(report))
    return upload


@pytest.fixture
def env(gcs, tmp_path, monkeypatch):
    with FakeCluster() as cluster:
        cluster.add_service("vllm", "bench")
        cluster.put("serviceaccounts", "bench", {"apiVersion": "v1", "metadata": {"name": "inference-perf"}})
        write_kubeconfig(tmp_path / "kubeconfig", cluster.url)
        for key, value in {"KUBECONFIG": str(tmp_path / "kubeconfig"), "NAMESPACE": "bench", "KSA": "inference-perf",
                           "BUCKET": gcs.bucket_name, "PYBENCH_STATE_DIR": str(tmp_path / "state"),
                           "PYBENCH_RESULTS": str(tmp_path / "results"), "PYBENCH_POLL_S": "0.05"}.items():
            monkeypatch.setenv(key, value)
        for key in ("PROJECT_ID", "REGION", "CLUSTER", "ENDPOINT", "MODEL_ID", "HF_TOKEN_SECRET", "PYBENCH_IMAGE"):
            monkeypatch.delenv(key, raising=False)
        cluster.gcs, cluster.results = gcs, tmp_path / "results"
        yield cluster


def pybench(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def bench(run_id, *extra):
    return pybench("bench", "--target", "gke", "--scenario", "demo", "--accelerator", "nvidia-h100-80gb",
                   "--model", MODEL, "--endpoint", ENDPOINT, "--run-id", run_id, *extra)
