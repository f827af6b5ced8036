"""The rendered Kubernetes manifests: strict schema validation for current Kubernetes versions (kubernetes-validate),
checkov's Kubernetes checks (every skip carries a reason), and the properties the Job must have."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from k8s_schemas import validate_manifest
from kubernetes_validate.utils import latest_version

from pybench.render import (
    REPORTS_PATH,
    JobSpec,
    RenderRequest,
    ServerSpec,
    Storage,
    dump_manifests,
    job_name,
    load_scenario,
    planned_duration_s,
    render_config,
    render_job_manifests,
    render_server,
    server_endpoint,
)
from pybench.render.manifests import TemplateError, fill

VERSIONS = ["1.33", latest_version()]
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
MODEL = "meta-llama/Llama-3.1-8B-Instruct"
# the fields of monitoring.googleapis.com/v1 PodMonitoring the examples use (kubernetes-validate has no CRDs)


def render_run(run_id="20261204-101500-sweep-nvidia-h100-80gb-1a2b", scenario="sweep", **spec):
    config = render_config(RenderRequest(
        scenario=load_scenario(scenario), endpoint="http://vllm.bench.svc.cluster.local:8000",
        accelerator="nvidia-h100-80gb", run_id=run_id, model=MODEL, num_workers=spec.get("cpu", 4),
        storage=Storage(local_path=REPORTS_PATH, gcs_bucket="results", gcs_path=f"runs/{run_id}")))
    job_spec = JobSpec(run_id=run_id, namespace="bench", service_account="inference-perf",
                       accelerator="nvidia-h100-80gb", scenario=scenario, model=MODEL, **spec)
    return config, render_job_manifests(job_spec, config)


ALL_SETS = {
    "job": lambda: render_run()[1],
    "job-hf-token": lambda: render_run(hf_token_secret="hf-token:hf_api_token", cpu=8, memory="16Gi")[1],
    "vllm-gpu": lambda: render_server(ServerSpec("nvidia-l4", "google/gemma-3-4b-it", "bench")),
    "vllm-tpu": lambda: render_server(ServerSpec("tpu-v6e-slice", MODEL, "bench", accelerator_count=4)),
}


@pytest.mark.parametrize("name", ALL_SETS)
@pytest.mark.parametrize("version", VERSIONS)
def test_manifests_validate_strictly(name, version):
    docs = yaml.safe_load_all(dump_manifests(ALL_SETS[name]()))  # what users apply: the YAML text
    for doc in docs:
        validate_manifest(doc, version)
        for value in doc["metadata"].get("labels", {}).values():
            assert len(value) <= 63 and LABEL_VALUE.match(value), value


def test_checkov_kubernetes_checks_pass_and_skips_give_reasons(tmp_path):
    for name, render in ALL_SETS.items():
        (tmp_path / f"{name}.yaml").write_text(dump_manifests(render()))
    checkov = Path(sys.executable).with_name("checkov")
    run = subprocess.run([str(checkov), "-d", str(tmp_path), "--framework", "kubernetes", "--compact",
                          "--skip-download", "-o", "json"], check=False, capture_output=True, text=True, timeout=180)
    report = json.loads(run.stdout)
    results = report["results"]
    failed = [(c["check_id"], c["resource"]) for c in results["failed_checks"]]
    assert not failed and run.returncode == 0, failed
    assert report["summary"]["passed"] > 200 and report["summary"]["parsing_errors"] == 0
    assert report["summary"]["resource_count"] >= sum(len(render()) for render in ALL_SETS.values())
    for check in results["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason) > 20, (check["check_id"], check["resource"], reason)


def test_the_job_is_hardened_and_sized():
    config, (configmap, job) = render_run(cpu=6, memory="12Gi")
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert config["load"]["num_workers"] == 6 == container["resources"]["limits"]["cpu"]
    assert container["resources"]["requests"] == container["resources"]["limits"]  # Guaranteed QoS
    assert container["image"] == "quay.io/inference-perf/inference-perf:v0.7.0"
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 0
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    assert job["spec"]["activeDeadlineSeconds"] > planned_duration_s(config) + 600
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert {(e["key"], e["operator"]) for e in terms[0]["matchExpressions"]} == {
        ("cloud.google.com/gke-accelerator", "DoesNotExist"), ("cloud.google.com/gke-tpu-accelerator", "DoesNotExist")}
    # everything inference-perf writes lands on an emptyDir: reports, the Hugging Face cache, temp files
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    env = {e["name"]: e.get("value") for e in container["env"]}
    for path in (config["storage"]["local_storage"]["path"], env["HF_HOME"], env["HOME"], "/tmp",
                 container["workingDir"]):
        owner = max((m for m in mounts if path == m or path.startswith(m + "/")), key=len)
        assert mounts[owner] in empty_dirs, path
    assert mounts["/etc/inference-perf"] == "config" and container["args"][1] == "/etc/inference-perf/config.yaml"
    assert "HF_TOKEN" not in env
    labels = job["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "inference-perf" and labels["app.kubernetes.io/managed-by"] == "pybench"
    assert labels["pybench.dev/run-id"] == "20261204-101500-sweep-nvidia-h100-80gb-1a2b"
    assert labels["pybench.dev/accelerator"] == "nvidia-h100-80gb"
    assert labels["pybench.dev/model"] == "meta-llama_Llama-3.1-8B-Instruct"
    assert job["spec"]["template"]["metadata"]["labels"] == labels == configmap["metadata"]["labels"]
    assert yaml.safe_load(configmap["data"]["config.yaml"]) == config


def test_hf_token_comes_from_the_secret_never_the_configmap():
    _, (configmap, job) = render_run(hf_token_secret="hf-token:hf_api_token", image="example.com/ip@sha256:" + "a" * 64)
    env = job["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "hf_api_token"}}} in env
    config = yaml.safe_load(configmap["data"]["config.yaml"])
    assert "token" not in config["tokenizer"] and "hf-token" not in json.dumps(configmap)
    assert job["spec"]["template"]["spec"]["containers"][0]["image"].endswith("a" * 64)


def test_job_names_fit_and_stay_unique():
    long_a, long_b = "20261204-101500-" + "a" * 44 + "-1a2b", "20261204-101500-" + "a" * 44 + "-9z9z"
    assert len(job_name(long_a)) <= 52 and job_name(long_a) != job_name(long_b)
    assert job_name("short-run") == "pybench-short-run"


def test_example_servers():
    gpu = render_server(ServerSpec("nvidia-h100-80gb", MODEL, "bench", accelerator_count=2))
    tpu = render_server(ServerSpec("tpu-v5-lite-podslice", MODEL, "bench", accelerator_count=8))
    assert [d["kind"] for d in gpu] == ["Deployment", "Service", "PodMonitoring", "NetworkPolicy"]
    gpu_pod, tpu_pod = gpu[0]["spec"]["template"]["spec"], tpu[0]["spec"]["template"]["spec"]
    assert gpu_pod["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-h100-80gb"}
    assert gpu_pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert "--tensor-parallel-size=2" in gpu_pod["containers"][0]["args"] and MODEL in gpu_pod["containers"][0]["args"]
    assert tpu_pod["nodeSelector"] == {"cloud.google.com/gke-tpu-accelerator": "tpu-v5-lite-podslice",
                                       "cloud.google.com/gke-tpu-topology": "2x4"}
    assert tpu_pod["containers"][0]["resources"]["limits"]["google.com/tpu"] == 8
    assert gpu[2]["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "15s"}]
    spec = ServerSpec("nvidia-l4", MODEL, "bench")
    assert server_endpoint(spec) == "http://vllm-nvidia-l4-llama-3-1-8b-instruct.bench.svc.cluster.local:8000"


def test_template_placeholders():
    assert fill({"a": "${n}", "b": "x-${n}-y", "c": ["${m}"]}, {"n": 3, "m": {"k": "v"}}) == {
        "a": 3, "b": "x-3-y", "c": [{"k": "v"}]}
    with pytest.raises(TemplateError, match="placeholder \\$\\{nope\\} has no value"):
        fill({"a": "${nope}"}, {})
