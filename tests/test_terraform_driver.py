"""pybench.terraform against the real terraform binary, on tests/terraform/fixture: built-in resources only
(terraform_data, local-exec), the same variables and outputs as terraform/, so nothing is downloaded."""

import json
import shutil
from pathlib import Path

import pytest

from pybench.errors import SettingsError, ToolError
from pybench.terraform import INSTALL_HINT, BootstrapConfig, TerraformDriver, error_message, require_settings

FIXTURE = Path(__file__).parent / "terraform" / "fixture"

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A fresh copy of the fixture, and a private pybench state folder."""
    work = tmp_path / "tf"
    shutil.copytree(FIXTURE, work)
    monkeypatch.setenv("PYBENCH_STATE_DIR", str(tmp_path / "state"))
    return work


@pytest.fixture
def driver(workdir) -> tuple[TerraformDriver, list[str]]:
    lines: list[str] = []
    d = TerraformDriver(workdir, echo=lines.append)
    d.init()
    return d, lines


def config(**overrides) -> BootstrapConfig:
    values = {"project_id": "demo-project", "location": "us-central1", "cluster_name": "bench"}
    values.update(overrides)
    return BootstrapConfig(**values)


def test_bootstrap_passes_the_variables_and_saves_flat_outputs(driver, tmp_path):
    d, lines = driver
    cfg = config(node_pool=True, accelerator="tpu-v6e-slice", accelerator_count=4, namespace="bench-ns",
                 hf_token_secret="hf-token", provisioning="spot")
    outputs = d.apply(cfg)

    assert outputs["received"] == {
        "project_id": "demo-project", "location": "us-central1", "cluster_name": "bench", "namespace": "bench-ns",
        "ksa_name": "pybench", "bucket_name": None, "hf_token_secret": "hf-token", "node_pool": True,
        "accelerator": "tpu-v6e-slice", "accelerator_count": 4, "provisioning": "spot", "reservation_name": None,
        "force_destroy_results": False,
    }
    saved = json.loads((tmp_path / "state" / "bootstrap.json").read_text())
    assert saved == outputs
    for key in ("project_id", "location", "cluster_name", "namespace", "ksa_name", "bucket_name", "node_selector"):
        assert key in saved
    assert saved["bucket_name"] == "demo-project-pybench-results"
    assert saved["node_pool_name"] == "pybench-tpu-v6e-slice"
    # Terraform's own output was streamed while it ran.
    assert any(line.startswith("Apply complete! Resources: 3 added") for line in lines)
    assert json.loads((tmp_path / "state" / "bootstrap.tfvars.json").read_text())["accelerator"] == "tpu-v6e-slice"


def test_plan_applies_nothing(driver, tmp_path):
    d, lines = driver
    assert d.plan(config()) is True
    assert any("Plan: 2 to add" in line for line in lines)
    assert d.state_addresses() == []
    assert not (tmp_path / "state" / "bootstrap.json").exists()


def test_failed_apply_raises_terraforms_message_and_a_rerun_converges(driver, workdir, tmp_path):
    d, _ = driver
    with pytest.raises(ToolError) as failure:
        d.apply(config(cluster_name="unreachable-cluster"))
    message = str(failure.value)
    assert message.startswith("terraform apply failed:\nError: local-exec provisioner error")
    assert "exit status 3. Output: cluster unreachable-cluster cannot be reached (simulated)" in " ".join(message.split())
    assert "│" not in message
    # Half-finished: the bucket was made, the identity failed (Terraform keeps it as tainted). Running bootstrap
    # again finishes the job without touching the bucket.
    assert sorted(d.state_addresses()) == ["module.identity.terraform_data.ksa", "module.results.terraform_data.bucket"]
    assert not (tmp_path / "state" / "bootstrap.json").exists()
    outputs = d.apply(config())
    assert outputs["cluster_name"] == "bench"
    assert sorted(d.state_addresses()) == ["module.identity.terraform_data.ksa", "module.results.terraform_data.bucket"]
    assert not (workdir / "results-destroyed").exists()


def test_destroy_keeps_the_results_unless_asked(driver, workdir, tmp_path):
    d, lines = driver
    d.apply(config(node_pool=True))
    result = d.destroy()

    assert result.kept_bucket == "demo-project-pybench-results"
    assert sorted(result.destroyed) == ["module.identity", "terraform_data.node_pool[0]"]
    assert (workdir / "identity-destroyed").read_text() == "pybench/pybench on demo-project-pybench-results\n"
    assert not (workdir / "results-destroyed").exists()
    assert d.state_addresses() == ["module.results.terraform_data.bucket"]
    assert not (tmp_path / "state" / "bootstrap.json").exists()
    assert any(line.startswith("Destroy complete! Resources: 2 destroyed.") for line in lines)

    # Bootstrapping again reuses the kept bucket instead of colliding with it.
    d.apply(config())
    assert not (workdir / "results-destroyed").exists()

    result = d.destroy(delete_results=True)
    assert result.kept_bucket is None
    # force_destroy was set in the state before the bucket was destroyed (GCS refuses non-empty buckets otherwise).
    assert (workdir / "results-destroyed").read_text() == "demo-project-pybench-results force_destroy=true\n"
    assert d.state_addresses() == []


def test_destroy_without_a_bootstrap_says_so(driver, tmp_path):
    d, _ = driver
    with pytest.raises(SettingsError, match="No bootstrap variables at .*bootstrap.tfvars.json; run pybench "
                                            "bootstrap first."):
        d.destroy()


def test_missing_terraform_says_how_to_install_it(workdir):
    with pytest.raises(ToolError) as failure:
        TerraformDriver(workdir, binary="terraform-that-is-not-installed")
    assert str(failure.value) == INSTALL_HINT
    assert "Install Terraform" in INSTALL_HINT


def test_unknown_accelerator_is_refused_before_terraform_runs(driver):
    d, lines = driver
    lines.clear()
    with pytest.raises(Exception, match="Unknown accelerator 'nvidia-gtx-1080'; valid: nvidia-l4"):
        d.apply(config(accelerator="nvidia-gtx-1080"))
    with pytest.raises(Exception, match="nvidia-h200-141gb comes in 8 per node, not 2"):
        d.apply(config(accelerator="nvidia-h200-141gb", accelerator_count=2, node_pool=True))
    assert lines == []


@pytest.mark.parametrize(
    "values, missing",
    [((None, None, None), "PROJECT_ID, REGION, CLUSTER"), (("p", "", "c"), "REGION"), (("p", "r", None), "CLUSTER")],
)
def test_require_settings_names_what_is_missing(values, missing):
    with pytest.raises(SettingsError, match=f"^Missing {missing}: set "):
        require_settings(*values)


def test_error_message_strips_the_box_drawing():
    stderr = "╷\n│ Error: Invalid value\n│ \n│   on main.tf line 1:\n│ bad thing\n╵\n"
    assert error_message(stderr) == "Error: Invalid value\non main.tf line 1:\nbad thing"
