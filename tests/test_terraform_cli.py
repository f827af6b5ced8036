"""`pybench bootstrap` and `pybench destroy` through click's CliRunner, on the built-in Terraform fixture
(tests/terraform/fixture) and, for the Job/ConfigMap cleanup, the fake Kubernetes API (tests/fake_k8s)."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import free_port
from fake_k8s import FakeCluster, write_kubeconfig

from pybench.cli import main
from pybench.terraform import INSTALL_HINT

FIXTURE = Path(__file__).parent / "terraform" / "fixture"
needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
SETTINGS_ENV = ("PROJECT_ID", "REGION", "CLUSTER", "NAMESPACE", "KSA", "BUCKET", "ACCELERATOR", "ACCELERATOR_COUNT",
                "NODE_POOL", "PROVISIONING", "RESERVATION", "HF_TOKEN_SECRET", "TF_STATE_BUCKET", "TERRAFORM")
MISSING_ALL = ("Error: Missing PROJECT_ID, REGION, CLUSTER: set them in the environment or pass "
               "--project-id/--region/--cluster, e.g. make bootstrap PROJECT_ID=my-project REGION=us-central1 "
               "CLUSTER=my-cluster.\n")


@pytest.fixture
def env(tmp_path, monkeypatch) -> Path:
    """No pybench settings in the environment; private state folder; the fixture as the Terraform root."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYBENCH_STATE_DIR", str(tmp_path / "state"))
    work = tmp_path / "tf"
    shutil.copytree(FIXTURE, work)
    monkeypatch.setenv("PYBENCH_TERRAFORM_DIR", str(work))
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{free_port()}")))
    return work


def invoke(*args: str, input: str | None = None, **env: str):
    return CliRunner().invoke(main, list(args), input=input, env=env or None)


def bootstrap_ok(*extra: str):
    result = invoke("bootstrap", *extra, PROJECT_ID="demo-project", REGION="us-central1", CLUSTER="bench")
    assert result.exit_code == 0, result.output
    return result


def test_bootstrap_without_settings_names_all_of_them(env):
    result = invoke("bootstrap")
    assert result.exit_code == 1
    assert result.stderr == MISSING_ALL


def test_bootstrap_names_the_one_missing_setting(env):
    result = invoke("bootstrap", "--project-id", "demo-project", CLUSTER="bench")
    assert result.exit_code == 1
    assert result.stderr == ("Error: Missing REGION: set it in the environment or pass --project-id/--region/--cluster, "
                             "e.g. make bootstrap PROJECT_ID=my-project REGION=us-central1 CLUSTER=my-cluster.\n")


def test_bootstrap_without_terraform_says_how_to_install_it(env, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = invoke("bootstrap", PROJECT_ID="demo-project", REGION="us-central1", CLUSTER="bench")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {INSTALL_HINT}\n"
    assert result.stderr == ("Error: terraform is not installed or not on PATH. Install Terraform >= 1.9 "
                             "(https://developer.hashicorp.com/terraform/install), or set "
                             "TERRAFORM=/path/to/terraform.\n")


def test_bootstrap_refuses_an_unknown_accelerator(env):
    result = invoke("bootstrap", "--accelerator", "nvidia-gtx-1080", PROJECT_ID="p", REGION="r", CLUSTER="c")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Unknown accelerator 'nvidia-gtx-1080'; valid: nvidia-l4, ")


@needs_terraform
def test_bootstrap_plan_applies_nothing(env, tmp_path):
    result = bootstrap_ok("--plan")
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in result.stdout
    assert result.stdout.rstrip().endswith("Plan only: nothing was applied.")
    assert not (env / "terraform.tfstate").exists()
    assert not (tmp_path / "state" / "bootstrap.json").exists()


@needs_terraform
def test_bootstrap_streams_terraform_and_saves_outputs(env, tmp_path):
    result = bootstrap_ok("--node-pool", "--accelerator", "tpu-v6e-slice", "--accelerator-count", "4",
                          "--hf-token-secret", "hf-token")
    assert "Apply complete! Resources: 3 added, 0 changed, 0 destroyed." in result.stdout
    outputs = json.loads((tmp_path / "state" / "bootstrap.json").read_text())
    assert outputs["received"]["accelerator"] == "tpu-v6e-slice"
    assert outputs["received"]["accelerator_count"] == 4
    assert outputs["received"]["hf_token_secret"] == "hf-token"
    assert outputs["node_pool_name"] == "pybench-tpu-v6e-slice"
    assert result.stdout.rstrip().endswith("bucket demo-project-pybench-results, namespace pybench, "
                                           "service account pybench.")
    # Running it again converges: nothing to change.
    again = bootstrap_ok("--node-pool", "--accelerator", "tpu-v6e-slice", "--accelerator-count", "4",
                         "--hf-token-secret", "hf-token")
    assert "Apply complete! Resources: 0 added, 0 changed, 0 destroyed." in again.stdout


@needs_terraform
def test_failed_apply_exits_1_with_terraforms_message(env):
    result = invoke("bootstrap", PROJECT_ID="demo-project", REGION="us-central1", CLUSTER="unreachable-cluster")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: terraform apply failed:\nError: local-exec provisioner error\n")
    assert "cluster unreachable-cluster cannot be reached (simulated)" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


@needs_terraform
def test_destroy_stops_when_the_cluster_is_unreachable(env):
    bootstrap_ok()
    result = invoke("destroy")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Cannot reach the Kubernetes API server: ")
    assert result.stderr.rstrip().endswith(
        "pybench's Jobs and ConfigMaps in namespace pybench were not deleted, so nothing was destroyed. Get cluster "
        "credentials (gcloud container clusters get-credentials bench --location us-central1) or rerun with "
        "--skip-cleanup.")
    assert not (env / "identity-destroyed").exists()


@needs_terraform
def test_destroy_skip_cleanup_keeps_the_results(env, tmp_path):
    bootstrap_ok()
    result = invoke("destroy", "--skip-cleanup")
    assert result.exit_code == 0, result.output
    assert "Skipping the Job and ConfigMap cleanup (--skip-cleanup)." in result.stderr
    assert result.stdout.rstrip().endswith(
        "Kept the results bucket demo-project-pybench-results and its reports; `pybench destroy --delete-results` "
        "removes it.")
    assert (env / "identity-destroyed").exists()
    assert not (env / "results-destroyed").exists()
    assert not (tmp_path / "state" / "bootstrap.json").exists()


@needs_terraform
def test_destroy_deletes_pybench_objects_first_then_asks_before_deleting_results(env, tmp_path, monkeypatch):
    pybench = {"app.kubernetes.io/managed-by": "pybench"}
    with FakeCluster(namespaces=("pybench",)) as kube:
        for plural, name, labels in [("jobs", "run-1", pybench), ("jobs", "other", {}),
                                     ("configmaps", "run-1-config", pybench), ("configmaps", "keep", {})]:
            kube.put(plural, "pybench", {"metadata": {"name": name, "labels": labels}})
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig-ok", kube.url)))
        bootstrap_ok()

        declined = invoke("destroy", "--delete-results", input="n\n")
        assert declined.exit_code == 1
        assert "Delete the results bucket and every report in it? [y/N]: n" in declined.output
        assert not (env / "identity-destroyed").exists()

        result = invoke("destroy", "--delete-results", input="y\n")
        assert result.exit_code == 0, result.output
        assert "Deleted 2 pybench Job(s) and ConfigMap(s) in namespace pybench." in result.stdout
        assert [o["metadata"]["name"] for o in kube.items("jobs")] == ["other"]
        assert [o["metadata"]["name"] for o in kube.items("configmaps")] == ["keep"]
        assert result.stdout.rstrip().endswith("Destroyed everything pybench bootstrap made.")
        assert (env / "results-destroyed").read_text() == "demo-project-pybench-results force_destroy=true\n"
        deletes = [(r.path, {**r.query, **r.body}) for r in kube.requests if r.method == "DELETE"]
        assert deletes[0] == ("/apis/batch/v1/namespaces/pybench/jobs/run-1", {"propagationPolicy": "Background"})


def test_delete_pybench_objects_selects_by_label_and_tolerates_a_missing_namespace():
    from kubernetes import client

    from pybench.cluster import delete_pybench_objects

    with FakeCluster() as kube:
        kube.put("configmaps", "bench", {"metadata": {"name": "c", "labels": {"app.kubernetes.io/managed-by": "pybench"}}})
        api = client.ApiClient(client.Configuration(host=kube.url))
        assert delete_pybench_objects("bench", api_client=api) == 1
        gets = [r.query for r in kube.requests if r.method == "GET"]
        assert all(q["labelSelector"] == "app.kubernetes.io/managed-by=pybench" for q in gets)
        assert "gone" not in kube.namespaces
        assert delete_pybench_objects("gone", api_client=api) == 0


def test_destroy_with_delete_results_and_yes_does_not_ask(env, monkeypatch):
    calls = []
    monkeypatch.setattr("pybench.cluster.delete_pybench_objects", lambda ns: calls.append(ns) or 0)

    class Driver:
        def __init__(self, echo):
            pass

        def write_tfvars(self, config):
            calls.append(config.tfvars())

        def init(self, state_bucket=None):
            calls.append(("init", state_bucket))

        def destroy(self, delete_results):
            from pybench.terraform import DestroyResult

            calls.append(("destroy", delete_results))
            return DestroyResult(destroyed=["everything"], kept_bucket=None)

    monkeypatch.setattr("pybench.terraform.TerraformDriver", Driver)
    result = invoke("destroy", "--delete-results", "--yes", PROJECT_ID="p", REGION="r", CLUSTER="c")
    assert result.exit_code == 0, result.output
    assert "[y/N]" not in result.output
    assert calls == [{"project_id": "p", "location": "r", "cluster_name": "c", "namespace": "pybench",
                      "ksa_name": "pybench", "node_pool": False, "accelerator": "nvidia-l4", "accelerator_count": 1,
                      "provisioning": "on-demand"}, "pybench", ("init", None), ("destroy", True)]


def test_destroy_without_bootstrap_or_settings_fails_in_one_line(env):
    result = invoke("destroy")
    assert result.exit_code == 1
    assert result.stderr == MISSING_ALL


@pytest.mark.parametrize("command", ["bootstrap", "destroy"])
def test_help_ends_with_an_example(command):
    result = invoke(command, "-h")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"pybench {command}" in result.output.split("Example:")[1]
