"""Generated manifests on disk, and applying them with the real kubernetes client against tests/fake_k8s."""

import tempfile

import pytest
import yaml
from fake_giq import FakeGiq
from fake_k8s import FakeCluster, write_kubeconfig

from pybench.errors import DeployError
from pybench.quickstart import deploy
from pybench.quickstart.client import Giq
from pybench.quickstart.data import Manifest, ManifestSet
from pybench.quickstart.manifests import documents, endpoint_url, slug, write_manifests


@pytest.fixture
def manifest_set() -> ManifestSet:
    with FakeGiq() as server:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import gkerecommender_v1

        client = gkerecommender_v1.GkeInferenceQuickstartClient(
            transport="rest", credentials=AnonymousCredentials(), client_options={"api_endpoint": server.url})
        return Giq(client).manifest("meta-llama/Llama-3.1-8B-Instruct", "vllm", "nvidia-l4", namespace="bench")


@pytest.fixture
def kube(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the dynamic client's discovery cache goes here
    monkeypatch.setattr(deploy, "POLL_S", 0.01)
    with FakeCluster() as server:
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", server.url)))
        yield server


def test_slug():
    assert slug("meta-llama/Llama-3.1-8B-Instruct") == "meta-llama-llama-3.1-8b-instruct"


def test_write_manifests_one_file_each_with_giq_comments(tmp_path, manifest_set):
    written = write_manifests(manifest_set, tmp_path)
    assert written.directory == tmp_path / "meta-llama-llama-3.1-8b-instruct-nvidia-l4"
    assert [f.name for f in written.files] == [
        "01-deployment-vllm-llama-3-1-8b-instruct-deployment.yaml",
        "02-service-vllm-service.yaml",
        "03-podmonitoring-vllm-podmonitoring.yaml",
    ]
    assert yaml.safe_load(written.files[1].read_text())["kind"] == "Service"
    readme = written.readme.read_text()
    assert "- Create the hf-secret Secret with your Hugging Face token before applying the Deployment." in readme
    assert "pybench bench --target gke --endpoint http://vllm-service.bench.svc.cluster.local:8000" in readme
    assert written.endpoint == "http://vllm-service.bench.svc.cluster.local:8000"


def test_regenerating_replaces_the_folder(tmp_path, manifest_set):
    first = write_manifests(manifest_set, tmp_path)
    (first.directory / "04-horizontalpodautoscaler-old.yaml").write_text("kind: HorizontalPodAutoscaler\n")
    second = write_manifests(manifest_set, tmp_path)
    assert sorted(p.name for p in second.directory.iterdir()) == sorted([f.name for f in second.files] + ["README.md"])
    assert [p.name for p in tmp_path.iterdir()] == [second.directory.name]  # no staging folder left behind


def test_endpoint_url_prefers_the_http_port_and_defaults_the_namespace():
    svc = ("apiVersion: v1\nkind: Service\nmetadata: {name: llm}\nspec:\n  ports:\n"
           "  - {name: metrics, port: 9090}\n  - {name: http, port: 8080}\n")
    ms = ManifestSet("m", "vllm", "nvidia-l4", "", [Manifest("Service", "v1", svc)], [])
    assert endpoint_url(ms) == "http://llm.default.svc.cluster.local:8080"
    assert endpoint_url(ManifestSet("m", "vllm", "nvidia-l4", "", [], [])) is None


def test_apply_then_follow_until_ready(kube, manifest_set):
    api = deploy.kube_client()
    docs = documents(manifest_set)
    applied = deploy.apply_documents(api, docs)
    assert applied == [
        "deployment.apps/vllm-llama-3-1-8b-instruct-deployment applied in bench",
        "service/vllm-service applied in bench",
        "podmonitoring.monitoring.googleapis.com/vllm-podmonitoring applied in bench",
    ]
    patches = [r for r in kube.requests if r.method == "PATCH"]
    assert [r.content_type for r in patches] == ["application/apply-patch+yaml"] * 3
    assert patches[0].path == "/apis/apps/v1/namespaces/bench/deployments/vllm-llama-3-1-8b-instruct-deployment"

    updates = []
    deploy.wait_for_deployments(api, deploy.deployments_in(docs), on_update=updates.append)
    assert [u.ready for u in updates] == [0, 1]
    assert updates[0].pods == [("vllm-llama-3-1-8b-instruct-deployment-7d9f-abcde: Pending, Unschedulable: "
                               "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")]
    assert updates[-1].done


def test_apply_again_updates_in_place(kube, manifest_set):
    api = deploy.kube_client()
    deploy.apply_documents(api, documents(manifest_set))
    deploy.apply_documents(api, documents(manifest_set))
    assert len(kube.objects) == 3


def test_a_pod_that_cannot_start_stops_the_wait_with_its_reason(kube, manifest_set):
    kube.pod_waiting = "CreateContainerConfigError"
    api = deploy.kube_client()
    docs = documents(manifest_set)
    deploy.apply_documents(api, docs)
    with pytest.raises(DeployError) as e:
        deploy.wait_for_deployments(api, deploy.deployments_in(docs))
    assert str(e.value) == (
        "Deployment bench/vllm-llama-3-1-8b-instruct-deployment cannot become ready: "
        "vllm-llama-3-1-8b-instruct-deployment-7d9f-abcde: CreateContainerConfigError: "
        'secret "hf-secret" not found. '
        "See `kubectl -n bench describe deployment vllm-llama-3-1-8b-instruct-deployment` and its pods' events."
    )


def test_timeout_says_how_far_it_got(kube, manifest_set):
    kube.ready_after_reads = 10**6
    api = deploy.kube_client()
    docs = documents(manifest_set)
    deploy.apply_documents(api, docs)
    with pytest.raises(DeployError, match=r"is not ready after 0 s \(0/1 ready; .*running, not ready yet"):
        deploy.wait_for_deployments(api, deploy.deployments_in(docs), timeout_s=0.05)


def test_missing_namespace_says_how_to_create_it(kube, manifest_set):
    kube.namespaces = {"default"}
    with pytest.raises(DeployError) as e:
        deploy.apply_documents(deploy.kube_client(), documents(manifest_set))
    assert str(e.value) == ('Kubernetes refused Deployment vllm-llama-3-1-8b-instruct-deployment: 404 namespaces '
                            '"bench" not found. Create it with `kubectl create namespace bench`.')


def test_a_kind_the_cluster_does_not_serve_stops_before_anything_is_applied(tmp_path, monkeypatch, manifest_set):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with FakeCluster(group_versions=["v1", "apps/v1", "autoscaling/v2"]) as server:
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", server.url)))
        with pytest.raises(DeployError, match=r"does not serve PodMonitoring \(monitoring.googleapis.com/v1\); "
                                              "nothing was applied"):
            deploy.apply_documents(deploy.kube_client(), documents(manifest_set))
    assert not any(r.method == "PATCH" for r in server.requests)


def test_no_kubeconfig(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(DeployError, match="gcloud container clusters get-credentials CLUSTER --location LOCATION"):
        deploy.kube_client()


def test_unreachable_cluster(monkeypatch, tmp_path, closed_port_url, manifest_set):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", closed_port_url)))
    with pytest.raises(DeployError, match=f"Cannot reach the Kubernetes API at {closed_port_url}"):
        deploy.apply_documents(deploy.kube_client(), documents(manifest_set))
