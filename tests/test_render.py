import pytest
import yaml

from pybench.errors import OverrideError, ScenarioError, UnknownAccelerator
from pybench.render import (
    RenderRequest,
    Storage,
    available_scenarios,
    check_run_id,
    load_scenario,
    new_run_id,
    planned_duration_s,
    planned_stages,
    render_config,
)


def request(scenario="demo", **kw):
    defaults = {
        "scenario": load_scenario(scenario) if isinstance(scenario, str) else scenario,
        "endpoint": "http://vllm.bench.svc.cluster.local:8000/", "accelerator": "nvidia-h100-80gb",
        "run_id": "run-1", "storage": Storage(local_path="/tmp/reports"),
    }
    defaults.update(kw)
    return RenderRequest(**defaults)


def test_builtin_scenarios_exist_and_validate():
    assert {"demo", "chat", "sweep"} <= set(available_scenarios())
    for name in available_scenarios():
        assert planned_stages(load_scenario(name).config) >= 1


def test_chat_scenario_uses_shared_prefixes_and_sweep_rises():
    chat = load_scenario("chat").config
    assert chat["api"]["type"] == "chat" and chat["data"]["type"] == "shared_prefix"
    rates = [s["rate"] for s in load_scenario("sweep").config["load"]["stages"]]
    assert rates == sorted(rates) and len(rates) >= 5


def test_render_patches_server_model_tokenizer_storage_and_workers():
    config = render_config(request(model="meta-llama/Llama-3.1-8B-Instruct", num_workers=3))
    assert config["server"] == {
        "type": "vllm", "base_url": "http://vllm.bench.svc.cluster.local:8000",
        "model_name": "meta-llama/Llama-3.1-8B-Instruct",
    }
    assert config["tokenizer"]["pretrained_model_name_or_path"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert config["load"]["num_workers"] == 3
    assert config["storage"] == {"local_storage": {"path": "/tmp/reports"}}
    # the scenario itself is untouched, so one scenario renders many runs
    assert "server" not in load_scenario("demo").config


def test_render_for_gcs_uses_a_per_run_prefix():
    config = render_config(request(storage=Storage(local_path="/work/reports", gcs_bucket="my-results")))
    assert config["storage"]["google_cloud_storage"] == {"bucket_name": "my-results", "path": "runs/run-1"}


def test_overrides_are_typed_and_reach_nested_fields():
    config = render_config(request(overrides=["load.num_workers=4", "load.stages.1.rate=2.5", "api.streaming=false"]))
    assert config["load"]["num_workers"] == 4
    assert config["load"]["stages"][1]["rate"] == 2.5
    assert config["api"]["streaming"] is False


def test_tokenizer_can_differ_from_model():
    config = render_config(request(model="m", tokenizer="/opt/tok"))
    assert config["tokenizer"]["pretrained_model_name_or_path"] == "/opt/tok"
    assert config["server"]["model_name"] == "m"


@pytest.mark.parametrize("item, message", [
    ("load.num_workerz=4", "--set load.num_workerz: field 'load.num_workerz': unknown key"),
    ("load.stages.0.rate=fast", "--set load.stages.0.rate: field 'load.stages.0.rate': Input should be a valid number"),
    ("load.stages.9.rate=1", "--set load.stages.9.rate: no such element in the scenario."),
    ("novalue", "--set 'novalue' must look like KEY=VALUE"),
])
def test_bad_overrides_name_the_key(item, message):
    with pytest.raises(OverrideError) as e:
        render_config(request(overrides=[item]))
    assert str(e.value).startswith(message)


def test_unknown_accelerator_lists_valid_ones():
    with pytest.raises(UnknownAccelerator, match="valid: nvidia-l4, .*tpu-v5-lite-podslice"):
        render_config(request(accelerator="nvidia-k80"))


def test_user_scenario_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"api": {"type": "completion", "streaming": True}, "data": {"type": "mock"},
                                    "load": {"type": "constant", "stages": [{"rate": 1, "duration": 2}]}}))
    scenario = load_scenario(str(path))
    assert scenario.name == "mine"
    assert render_config(request(scenario=scenario))["load"]["stages"] == [{"rate": 1, "duration": 2}]


@pytest.mark.parametrize("content, message", [
    ("load:\n  stages: [{rate: 1, duraton: 3}]\n", "field 'load.stages.0.duration': Field required"),
    ("load:\n  type: constant\n  stages: [{rate: 1, duration: 3}]\nrepot: {}\n", "field 'repot': unknown key"),
    ("load: [\n", "line 2 is not valid YAML"),
    ("- just\n- a list\n", "must hold a mapping"),
])
def test_malformed_scenarios_name_file_and_field(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ScenarioError) as e:
        load_scenario(str(path))
    assert str(path) in str(e.value) and message in str(e.value)


def test_missing_scenarios():
    with pytest.raises(ScenarioError, match="No scenario named 'nope'; built-in: chat, demo, sweep"):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="Scenario file /no/such.yaml does not exist"):
        load_scenario("/no/such.yaml")


def test_run_ids():
    run_id = new_run_id("demo", "nvidia-l4")
    assert check_run_id(run_id) == run_id and "demo-nvidia-l4" in run_id
    for bad in ("Upper", "-dash", "a" * 64, "has space", "a/b"):
        with pytest.raises(OverrideError):
            check_run_id(bad)


def test_planned_duration():
    assert planned_duration_s(load_scenario("demo").config) == 6 * 3 + 2 * 1
