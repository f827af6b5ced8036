"""`pybench bench --target gke` and the run commands end to end: the real kubernetes client against tests/fake_k8s.py
and the real google-cloud-storage client against fake-gcs-server. The fake Job "uploads" inference-perf-shaped
reports to the bucket path its ConfigMap names, as the real pod would."""

import json

import pytest
import yaml
from fake_k8s import PodScript
from gke_fixtures import ENDPOINT, MODEL, bench, log_lines, pybench, reports_uploader
from reportgen import lifecycle

pytest_plugins = ["fake_gcs", "gke_fixtures"]


def gcs_record(env, run_id):
    return json.loads(env.gcs.bucket(env.gcs.bucket_name).blob(f"runs/{run_id}/run.json").download_as_text())


def posted(env, plural):
    return [r.body for r in env.requests if r.method == "POST" and r.path.endswith(f"/{plural}")]


def test_success_runs_the_job_follows_it_and_brings_the_reports_home(env):
    env.script = PodScript(log_lines=log_lines(), on_success=reports_uploader(env.gcs))
    code, out = bench("gke-ok", "--job-cpu", "3")
    assert code == 0, out
    assert "Started Job pybench-gke-ok in namespace bench" in out
    assert "Run gke-ok" in out and "Valid run." in out
    run_dir = env.results / "gke-ok"
    assert sorted(p.name for p in run_dir.glob("stage_*")) == [f"stage_{i}_lifecycle_metrics.json" for i in range(3)]
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "succeeded" and record["target"] == "gke" and record["exit_code"] == 0
    assert record["extra"]["num_workers"] == 3 and record["extra"]["job"] == "pybench-gke-ok"
    assert gcs_record(env, "gke-ok")["status"] == "succeeded"
    # the followed log is kept locally and in the bucket: the pod's log goes when the pod does
    assert "Stage 2 - run completed" in (run_dir / "inference-perf.log").read_text()
    saved = env.gcs.bucket(env.gcs.bucket_name).blob("runs/gke-ok/inference-perf.log").download_as_text()
    assert "Stage 2 - run completed" in saved

    configmap, job = posted(env, "configmaps")[0], posted(env, "jobs")[0]
    config = yaml.safe_load(configmap["data"]["config.yaml"])
    assert config["load"]["num_workers"] == 3
    assert config["storage"]["google_cloud_storage"] == {"bucket_name": env.gcs.bucket_name, "path": "runs/gke-ok"}
    assert config["server"]["base_url"] == ENDPOINT
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "inference-perf"
    assert pod["containers"][0]["resources"]["limits"]["cpu"] == 3
    assert job["metadata"]["labels"]["pybench.dev/model"] == "meta-llama_Llama-3.1-8B-Instruct"
    patch = next(r.body for r in env.requests if r.method == "PATCH")
    owner = patch["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "Job" and owner["uid"] == env.get("jobs", "bench", "pybench-gke-ok")["metadata"]["uid"]


@pytest.mark.parametrize("script, expected, evidence", [
    ({"exit_code": 1, "terminated_reason": "Error",
      "log_lines": ["Traceback (most recent call last):", "ValueError: GCS bucket 'x' does not exist."]},
     "inference-perf exited with code 1 (Error)", "ValueError: GCS bucket 'x' does not exist"),
    ({"exit_code": 137, "terminated_reason": "OOMKilled", "log_lines": log_lines(1)[:2]},
     "inference-perf ran out of memory (OOMKilled); give the Job more with --job-memory", "Stage 0 - run started"),
    ({"exit_code": 143, "terminated_reason": "Error", "job_failure": "DeadlineExceeded", "log_lines": log_lines(1)[:2]},
     "the Job ran longer than its activeDeadlineSeconds (", "Stage 0 - run started"),
    ({"unschedulable": "0/3 nodes are available: 3 Insufficient cpu.",
      "events": [("Normal", "NotTriggerScaleUp", "pod didn't trigger scale-up: 1 max node group size reached")]},
     "the pod cannot be scheduled and the cluster autoscaler will not add a node", "Warning FailedScheduling: 0/3"),
    ({"waiting_reason": "ImagePullBackOff"},
     "the container cannot start: ImagePullBackOff", "Warning Failed: Error: ImagePullBackOff"),
], ids=["failed", "oomkilled", "deadline", "unschedulable", "imagepull"])
def test_trouble_is_shown_with_events_and_log_tail(env, script, expected, evidence):
    env.script = PodScript(**script)
    code, out = bench("gke-bad")
    assert code == 1, out
    assert out.strip().splitlines()[-1].startswith(f"Error: run gke-bad failed: {expected}"), out
    assert "Pod events:" in out and evidence in out
    record = json.loads((env.results / "gke-bad" / "run.json").read_text())
    assert record["status"] == "failed" and record["reasons"][0].startswith(expected)
    assert gcs_record(env, "gke-bad")["status"] == "failed"


def test_ctrl_c_leaves_the_job_running_and_collect_brings_it_home(env):
    env.script = PodScript(log_lines=log_lines(), hold_after=2, interrupt_on="Stage 0 - run started",
                           on_success=reports_uploader(env.gcs))
    code, out = bench("gke-detach")
    assert code == 130, out
    assert "Stopped following; the Job keeps running in the cluster" in out and "pybench collect gke-detach" in out
    assert env.get("jobs", "bench", "pybench-gke-detach") is not None
    assert not [r for r in env.requests if r.method == "DELETE"]
    assert json.loads((env.results / "gke-detach" / "run.json").read_text())["status"] == "running"

    code, out = pybench("logs", "gke-detach", "--tail", "1")
    assert code == 0 and out.strip().endswith("Stage 0 - run started"), out

    env.script.release.set()  # the run goes on while nobody watches; collect follows it to the end
    code, out = pybench("collect", "gke-detach")
    assert code == 0, out
    assert "Valid run." in out and "Run gke-detach" in out
    assert json.loads((env.results / "gke-detach" / "run.json").read_text())["status"] == "succeeded"


def test_cancel_deletes_job_and_configmap_and_marks_the_run(env):
    env.script = PodScript(log_lines=log_lines(), hold_after=2, interrupt_on="Stage 0 - run started")
    assert bench("gke-cancel")[0] == 130
    code, out = pybench("cancel", "gke-cancel")
    assert code == 0, out
    assert out.splitlines() == ["deleted job/pybench-gke-cancel", "deleted configmap/pybench-gke-cancel"]
    deletes = [r for r in env.requests if r.method == "DELETE"]
    assert deletes[0].path.endswith("/jobs/pybench-gke-cancel")
    assert "Background" in json.dumps([deletes[0].body, deletes[0].query])
    assert env.get("jobs", "bench", "pybench-gke-cancel") is None and not env.items("pods", "bench")
    assert gcs_record(env, "gke-cancel")["status"] == "cancelled"

    code, out = pybench("cancel", "gke-cancel")
    assert code == 1 and "Error: No Job of run 'gke-cancel' in namespace bench" in out
    code, out = pybench("logs", "gke-cancel")  # the pod is gone: the log pybench saved while following
    assert code == 0 and "Stage 0 - run started" in out


def test_collect_partial_run_and_unknown_run(env):
    bucket = env.gcs.bucket(env.gcs.bucket_name)
    bucket.blob("runs/gke-partial/run.json").upload_from_string(json.dumps(
        {"run_id": "gke-partial", "scenario": "demo", "target": "gke", "accelerator": "nvidia-l4", "model": MODEL,
         "endpoint": ENDPOINT, "status": "running", "planned_stages": 3}))
    bucket.blob("runs/gke-partial/stage_0_lifecycle_metrics.json").upload_from_string(json.dumps(lifecycle()))
    code, out = pybench("collect", "gke-partial")
    assert code == 1, out
    assert "Run gke-partial" in out and "INVALID RUN" in out
    assert "only 1 of 3 planned stages reported" in out.strip().splitlines()[-1]
    assert (env.results / "gke-partial" / "stage_0_lifecycle_metrics.json").is_file()

    code, out = pybench("collect", "gke-nope")
    assert code == 1
    assert out.strip() == (f"Error: No run 'gke-nope' in gs://{env.gcs.bucket_name}/runs/ and no Job for it in "
                           "namespace bench (`pybench runs` lists the runs).")


def test_runs_lists_the_bucket(env):
    env.script = PodScript(log_lines=log_lines(), on_success=reports_uploader(env.gcs))
    assert bench("gke-listed")[0] == 0
    code, out = pybench("runs")
    assert code == 0, out
    assert "gke-listed" in out and "succeeded" in out and "3 stages + summary" in out and "nvidia-h100-80gb" in out
    code, out = pybench("runs", "--json")
    assert json.loads(out)[0]["record"]["extra"]["job"] == "pybench-gke-listed"
