"""Cluster runs before and around the Job: preflight failures (one line each, nothing created), --dry-run and
--render-to, `pybench config` sources, `pybench serve`, a dropped log stream, `logs --follow`, and the help texts."""

import inspect
import json

import pytest
import yaml
from fake_k8s import FakeCluster, PodScript, write_kubeconfig
from gke_fixtures import ENDPOINT, bench, log_lines, pybench, reports_uploader

from pybench.cli import main

pytest_plugins = ["fake_gcs", "gke_fixtures"]


def assert_nothing_created(env, run_id):
    assert not [r for r in env.requests if r.method in ("POST", "PATCH", "DELETE")], env.requests
    assert not (env.results / run_id).exists()
    assert not list(env.gcs.list_blobs(env.gcs.bucket_name, prefix=f"runs/{run_id}/"))


def error_lines(out):
    return [line for line in out.strip().splitlines() if line.startswith("Error: ")]


def test_missing_namespace_is_one_line_and_creates_nothing(env, monkeypatch):
    monkeypatch.setenv("NAMESPACE", "nope")
    code, out = bench("pre-ns")
    assert code == 1
    assert out.strip() == ("Error: Namespace 'nope' does not exist; `pybench bootstrap` creates it "
                           "(or set NAMESPACE).")
    assert_nothing_created(env, "pre-ns")


def test_every_failed_check_gets_its_own_line(env, monkeypatch):
    monkeypatch.setenv("KSA", "missing-ksa")
    monkeypatch.setenv("BUCKET", "no-such-bucket-here")
    code, out = bench("pre-many", "--endpoint", "http://other.bench.svc.cluster.local:8000",
                      "--hf-secret", "hf-token")
    assert code == 1
    assert error_lines(out) == [
        ("Error: Service account 'missing-ksa' does not exist in namespace 'bench'; `pybench bootstrap` creates it "
        "(or set KSA)."),
        ("Error: Secret 'hf-token' does not exist in namespace 'bench'; create it: `kubectl -n bench create secret "
        "generic hf-token --from-literal=token=hf_...`."),
        ("Error: Service 'other' does not exist in namespace 'bench' (the endpoint's host); deploy the model server "
        "first (`pybench serve` renders an example)."),
        "Error: Bucket gs://no-such-bucket-here does not exist; run `pybench bootstrap` or pass --bucket.",
    ]
    assert len(out.strip().splitlines()) == 4
    assert_nothing_created(env, "pre-many")


@pytest.mark.parametrize("ready, port, expected", [
    (0, 8000, ("Error: Service bench/vllm has no ready endpoints: the model server is not ready "
              "(`kubectl -n bench get pods`).")),
    (1, 80, "Error: Service bench/vllm has no port 8000 (it has: 80); fix the endpoint's port."),
])
def test_the_endpoint_service_must_be_ready(env, ready, port, expected):
    env.add_service("vllm", "bench", port=port, ready=ready)
    code, out = bench("pre-svc")
    assert code == 1 and out.strip() == expected
    assert_nothing_created(env, "pre-svc")


def test_unreachable_cluster_and_wrong_context(env, tmp_path, monkeypatch, closed_port_url):
    write_kubeconfig(tmp_path / "down", closed_port_url)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "down"))
    code, out = bench("pre-down")
    assert code == 1 and len(error_lines(out)) == 1, out
    assert error_lines(out)[0].startswith(f"Error: Cannot reach the Kubernetes API at {closed_port_url} (")

    write_kubeconfig(tmp_path / "other", env.url, context="gke_proj_europe-west4_other")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "other"))
    for key, value in {"PROJECT_ID": "proj", "REGION": "europe-west4", "CLUSTER": "bench"}.items():
        monkeypatch.setenv(key, value)
    code, out = bench("pre-ctx")
    assert code == 1 and out.strip() == (
        "Error: The kubeconfig's current context is gke_proj_europe-west4_other, not cluster bench; run "
        "`gcloud container clusters get-credentials bench --location europe-west4 --project proj`.")
    assert_nothing_created(env, "pre-ctx")


def test_a_run_id_is_never_reused(env):
    env.gcs.bucket(env.gcs.bucket_name).blob("runs/pre-dup/run.json").upload_from_string("{}")
    code, out = bench("pre-dup")
    assert code == 1 and out.strip() == (f"Error: Run 'pre-dup' already exists in gs://{env.gcs.bucket_name}/runs/; "
                                         "choose another --run-id.")


def test_missing_settings_say_how_to_set_them(env, monkeypatch):
    monkeypatch.delenv("BUCKET")
    monkeypatch.delenv("KSA")
    code, out = bench("pre-set")
    assert code == 1 and out.strip() == (
        "Error: The cluster run needs a results bucket (BUCKET) and a Kubernetes service account (KSA); run "
        "`pybench bootstrap`, set the variables or pass the flags (`pybench config` shows every setting and where it "
        "comes from).")
    code, out = pybench("bench", "--target", "gke", "--bucket", "b", "--ksa", "k")
    assert code == 1 and out.startswith("Error: No endpoint for the cluster run: pass --endpoint or set ENDPOINT")


def test_dry_run_prints_the_manifests_and_render_to_writes_them(env, tmp_path):
    code, out = bench("dry-1", "--dry-run", "--image", "example.com/inference-perf:v0.7.0-patched")
    assert code == 0, out
    configmap, job = yaml.safe_load_all(out)
    assert configmap["kind"] == "ConfigMap" and job["kind"] == "Job"
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "example.com/inference-perf:v0.7.0-patched"
    assert yaml.safe_load(configmap["data"]["config.yaml"])["server"]["base_url"] == ENDPOINT
    code, out = bench("dry-2", "--render-to", str(tmp_path / "gitops"))
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "gitops" / "dry-2").iterdir()) == ["configmap.yaml", "job.yaml"]
    assert not env.requests and not (env.results / "dry-1").exists()


def test_config_shows_each_value_and_its_source(env, tmp_path, monkeypatch):
    state = tmp_path / "state"
    state.mkdir()
    (state / "bootstrap.json").write_text(json.dumps({"project_id": "proj-from-bootstrap", "cluster_name": "c1",
                                                      "ksa_name": "ksa-from-bootstrap"}))
    monkeypatch.delenv("KSA")
    code, out = pybench("config", "--namespace", "flagged", "--json")
    assert code == 0, out
    settings = json.loads(out)
    assert settings["namespace"] == {"value": "flagged", "source": "flag", "env": "NAMESPACE"}
    assert settings["bucket"] == {"value": env.gcs.bucket_name, "source": "env BUCKET", "env": "BUCKET"}
    assert settings["ksa"]["value"] == "ksa-from-bootstrap" and settings["ksa"]["source"] == "bootstrap"
    assert settings["project_id"]["source"] == "bootstrap"
    assert settings["image"] == {"value": "quay.io/inference-perf/inference-perf:v0.7.0", "source": "default",
                                 "env": "PYBENCH_IMAGE"}
    code, out = pybench("config")
    assert code == 0 and "ksa-from-bootstrap" in out and "env BUCKET" in out


def test_serve_prints_or_writes_the_example_server(tmp_path):
    code, out = pybench("serve", "--accelerator", "tpu-v6e-slice", "--count", "4", "--model", "google/gemma-3-4b-it",
                        "--namespace", "bench")
    assert code == 0, out
    yaml_part, _, hint = out.partition("Benchmark it with:")
    assert [d["kind"] for d in yaml.safe_load_all(yaml_part)] == ["Deployment", "Service", "PodMonitoring",
                                                                  "NetworkPolicy"]
    assert "--endpoint http://vllm-tpu-v6e-slice-gemma-3-4b-it.bench.svc.cluster.local:8000" in hint
    code, out = pybench("serve", "--model", "m", "--namespace", "bench", "--render-to", str(tmp_path))
    assert code == 0 and (tmp_path / "vllm-nvidia-l4-m.yaml").is_file()
    code, out = pybench("serve", "--accelerator", "nvidia-k80", "--model", "m")
    assert code == 1 and out.startswith("Error: Unknown accelerator 'nvidia-k80'")


@pytest.mark.parametrize("drop_after", [2, 3])
def test_a_dropped_log_stream_is_resumed_without_repeats_or_gaps(env, drop_after):
    env.script = PodScript(log_lines=log_lines(), line_delay_s=0.03, drop_stream_after=drop_after, paired_stamps=True,
                           on_success=reports_uploader(env.gcs))
    code, out = bench("drop-1")
    assert code == 0, out
    for k in (1, 2, 3):  # every stage event reaches the progress display exactly once
        for event in ("started", "completed"):
            assert out.count(f"stage {k} of 3 {event}") == 1, out
    streams = [r for r in env.requests if r.path.endswith("/log") and r.query.get("follow") == "True"]
    assert len(streams) >= 2


def test_logs_follow_streams_until_the_pod_ends(env):
    env.script = PodScript(log_lines=log_lines(), hold_after=2, interrupt_on="Stage 0 - run started",
                           on_success=reports_uploader(env.gcs))
    assert bench("follow-1")[0] == 130
    env.script.release.set()
    code, out = pybench("logs", "follow-1", "--follow")
    assert code == 0, out
    assert out.splitlines() == log_lines()


def test_every_command_has_help_with_an_example():
    for command in ("config", "runs", "collect", "logs", "cancel", "serve", "bench"):
        code, out = pybench(command, "-h")
        assert code == 0 and "Example:" in out, command
        assert inspect.cleandoc(main.commands[command].help).split("\n\n")[-1].startswith("\b\nExample:"), command


def test_serve_apply_uses_the_quickstart_applier(tmp_path, monkeypatch):
    with FakeCluster() as server:
        server.ready_after_reads = 1
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", server.url)))
        code, out = pybench("serve", "--model", "google/gemma-3-4b-it", "--namespace", "bench", "--apply")
    assert code == 0, out
    assert "deployment.apps/vllm-nvidia-l4-gemma-3-4b-it applied in bench" in out
    assert sorted(plural for plural, _, _ in server.objects) == ["deployments", "networkpolicies", "podmonitorings",
                                                                 "services"]
    assert "1/1 ready" in out and "--endpoint http://vllm-nvidia-l4-gemma-3-4b-it.bench.svc.cluster.local:8000" in out


@pytest.mark.parametrize("flag, message", [
    (("--num-workers", "3"), "--num-workers does not apply to --target gke"),
    (("--sim-set", "max_num_seqs=8"), "--sim-set is for the local simulator"),
])
def test_local_only_flags_are_refused_for_the_cluster(env, flag, message):
    code, out = bench("flags-1", *flag)
    assert code == 2 and message in out
    assert not env.requests
