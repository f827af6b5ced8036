"""pybench.quickstart.client through the real google-cloud-gkerecommender REST client, against tests/fake_giq.py."""

import pytest
from fake_giq import GEMMA_27B, LLAMA_8B, FakeGiq, GiqData, iam_denied_error, service_disabled_error

from pybench.errors import ApiNotEnabled, NoProfile, QuickstartAccessDenied, QuickstartError, UnknownModel
from pybench.quickstart.client import ENDPOINT_ENV, Giq


@pytest.fixture
def fake(monkeypatch):
    with FakeGiq() as server:
        monkeypatch.setenv(ENDPOINT_ENV, server.url)
        yield server


@pytest.fixture
def giq(fake) -> Giq:
    return Giq.from_env()


def test_models_follow_every_page(fake, giq):
    fake.data.page_size = 2
    assert giq.models() == GiqData().models
    pages = [r for r in fake.data.requests if r[1] == "/v1/models:fetch"]
    assert len(pages) == 3
    assert pages[1][2]["pageToken"] == "2"


def test_model_servers_with_versions(giq):
    assert giq.model_servers(LLAMA_8B) == {"tgi": ["3.2.3"], "vllm": ["v0.7.2", "v0.8.5"]}


def test_profiles_send_targets_in_camel_case_and_keep_comments(fake, giq):
    plist = giq.profiles(model=LLAMA_8B, model_server="vllm", target_ttft_ms=200, target_ntpot_ms=50)
    method, path, body = fake.data.requests[-1]
    assert (method, path) == ("POST", "/v1/profiles:fetch")
    assert body == {"model": LLAMA_8B, "modelServer": "vllm",
                    "performanceRequirements": {"targetNtpotMilliseconds": 50, "targetTtftMilliseconds": 200}}
    assert {p.accelerator for p in plist.profiles} == {"nvidia-l4", "nvidia-h100-80gb"}
    assert all(pt.ttft_ms <= 200 and pt.ntpot_ms <= 50 for p in plist.profiles for pt in p.points)
    assert plist.comments.startswith("Benchmarked with inference-perf")
    assert set(plist.ranges) == {"output_tokens_per_second", "ttft_ms", "ntpot_ms"}


def test_benchmarks_convert_costs_and_sort_points(fake, giq):
    profiles = giq.benchmarks(LLAMA_8B, "vllm", instance_type="a3-highgpu-1g", pricing_model="on-demand")
    assert fake.data.requests[-1][2] == {"modelServerInfo": {"model": LLAMA_8B, "modelServer": "vllm"},
                                         "instanceType": "a3-highgpu-1g", "pricingModel": "on-demand"}
    (profile,) = profiles
    assert (profile.accelerator, profile.accelerator_count, profile.model_server_version) == \
        ("nvidia-h100-80gb", 1, "v0.8.5")
    rates = [p.queries_per_second for p in profile.points]
    assert rates == sorted(rates) and len(rates) == 5
    cost = profile.points[0].cost("on-demand")
    assert cost.per_million_output_tokens == pytest.approx(0.5 / 0.1, rel=1e-6)  # int64 units + nanos
    assert profile.points[0].cost("spot") is None


def test_manifest_request_and_response(fake, giq):
    ms = giq.manifest(GEMMA_27B, "vllm", "nvidia-h100-80gb", namespace="bench", target_ntpot_ms=40)
    body = fake.data.requests[-1][2]
    assert body == {"modelServerInfo": {"model": GEMMA_27B, "modelServer": "vllm"},
                    "acceleratorType": "nvidia-h100-80gb", "kubernetesNamespace": "bench",
                    "performanceRequirements": {"targetNtpotMilliseconds": 40}}
    assert [m.kind for m in ms.manifests] == ["Deployment", "Service", "PodMonitoring", "HorizontalPodAutoscaler"]
    assert ms.comments[0].startswith("Create the hf-secret")
    assert ms.namespace == "bench"


def test_api_not_enabled_names_the_api_and_the_command(fake, giq):
    fake.data.error = service_disabled_error("4242")
    with pytest.raises(ApiNotEnabled) as e:
        giq.models()
    assert str(e.value) == (
        "The GKE Inference Quickstart API (gkerecommender.googleapis.com) is not enabled in project 4242. "
        "Enable it with `gcloud services enable gkerecommender.googleapis.com --project 4242` and retry in a minute."
    )


def test_permission_denied(fake, giq):
    fake.data.error = iam_denied_error()
    with pytest.raises(QuickstartAccessDenied) as e:
        giq.profiles(model=LLAMA_8B)
    assert "Permission 'gkerecommender.profiles.fetch' denied" in str(e.value)
    assert "`gcloud services enable gkerecommender.googleapis.com`" in str(e.value)


def test_unknown_model_lists_close_matches_when_the_api_returns_nothing(giq):
    with pytest.raises(UnknownModel) as e:
        giq.profiles(model="meta-llama/Llama-3.1-8B-Instruc")
    assert str(e.value) == (
        "GKE Inference Quickstart has no model 'meta-llama/Llama-3.1-8B-Instruc'. Close matches: "
        "meta-llama/Llama-3.1-8B-Instruct, meta-llama/Llama-3.3-70B-Instruct. `pybench profiles models` lists all 6."
    )


def test_unknown_model_when_the_api_says_invalid_argument(giq):
    with pytest.raises(UnknownModel, match="no model 'gemma-3-27b-it'. Close matches: google/gemma-3-27b-it"):
        giq.benchmarks("gemma-3-27b-it", "vllm")


def test_no_profile_for_accelerator_names_the_ones_there_are(fake, giq):
    with pytest.raises(NoProfile) as e:
        giq.manifest(LLAMA_8B, "vllm", "tpu-v6e-slice")
    assert str(e.value) == (
        "GKE Inference Quickstart has no profile for meta-llama/Llama-3.1-8B-Instruct on vllm with tpu-v6e-slice. "
        "Accelerators with a profile: nvidia-h100-80gb (a3-highgpu-1g), nvidia-l4 (g2-standard-24)."
    )
    assert not any(r[1] == "/v1/optimizedManifest:generate" for r in fake.data.requests)


def test_no_profile_for_model_server_names_the_servers(giq):
    with pytest.raises(NoProfile, match="no profile for google/gemma-3-27b-it on tgi. Model servers with a "
                                        "profile for it: vllm."):
        giq.manifest(GEMMA_27B, "tgi", "nvidia-l4")


def test_unreachable_endpoint(monkeypatch, closed_port_url):
    monkeypatch.setenv(ENDPOINT_ENV, closed_port_url)
    with pytest.raises(QuickstartError, match=f"Cannot reach GKE Inference Quickstart at {closed_port_url}"):
        Giq.from_env().models()


def test_no_credentials_for_the_real_endpoint(monkeypatch, tmp_path):
    monkeypatch.delenv(ENDPOINT_ENV, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(QuickstartAccessDenied, match="gcloud auth application-default login"):
        Giq.from_env()
