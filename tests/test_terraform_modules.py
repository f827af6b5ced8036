"""terraform init / validate / test on terraform/ without downloading providers.

tools/fake_tf_provider serves the parts of the google and kubernetes provider schemas that the modules use, from a
filesystem_mirror built here; the tests in terraform/tests mock the providers (mock_provider), so only the schemas
are needed. See terraform/README.md, "Tests (offline)".
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM = ROOT / "terraform"

pytestmark = [
    pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH"),
    pytest.mark.timeout(240),
]


@pytest.fixture(scope="module")
def tf(tmp_path_factory):
    """Run terraform in a copy of terraform/ with providers from the fake-provider mirror."""
    pytest.importorskip("tfplugin_proto", reason="tfplugin-proto-all is not installed (pip install -e '.[dev]')")
    base = tmp_path_factory.mktemp("tf")
    rc = subprocess.run([sys.executable, str(ROOT / "tools" / "fake_tf_provider" / "mirror.py"), str(base / "mirror")],
                        capture_output=True, text=True, check=True).stdout.strip()
    work = base / "terraform"
    shutil.copytree(TERRAFORM, work, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl",
                                                                    "gcs_backend.tf"))
    env = {**os.environ, "TF_CLI_CONFIG_FILE": rc, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    env.pop("TF_PLUGIN_CACHE_DIR", None)

    def run(*args: str, cwd: Path = work) -> subprocess.CompletedProcess:
        return subprocess.run(["terraform", *args, "-no-color"], check=False, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=200)

    init = run("init", "-backend=false", "-input=false")
    assert init.returncode == 0, init.stdout + init.stderr
    run.work = work  # type: ignore[attr-defined]
    return run


def test_init_installs_the_pinned_providers_from_the_mirror(tf):
    lock = (tf.work / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/google"' in lock
    assert 'provider "registry.terraform.io/hashicorp/kubernetes"' in lock
    assert '">= 7.0.0, < 8.0.0"' in lock and '">= 3.0.0, < 4.0.0"' in lock


def test_validate_root_module(tf):
    proc = tf("validate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "The configuration is valid." in proc.stdout


def test_validate_example(tf):
    example = tf.work / "examples" / "tpu-and-gpu-node-pools"
    init = tf("init", "-backend=false", "-input=false", cwd=example)
    assert init.returncode == 0, init.stdout + init.stderr
    proc = tf("validate", cwd=example)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_validate_catches_an_argument_the_provider_does_not_have(tf, tmp_path):
    """The fake schema is strict: a misspelt argument fails as it would with the real provider."""
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(tf.work / "modules" / "results-bucket" / "versions.tf", bad / "versions.tf")
    (bad / "main.tf").write_text('resource "google_storage_bucket" "b" {\n  name = "x"\n  location = "US"\n'
                                 '  uniform_bucket_access = true\n}\n')
    assert tf("init", "-backend=false", "-input=false", cwd=bad).returncode == 0
    proc = tf("validate", cwd=bad)
    assert proc.returncode == 1
    assert 'An argument named "uniform_bucket_access" is not expected here.' in proc.stderr


def test_terraform_test_with_mock_providers(tf):
    proc = tf("test")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    for name in ("defaults_create_no_node_pool", "nvidia_l4", "nvidia_tesla_a100", "nvidia_a100_80gb",
                 "nvidia_h100_80gb", "nvidia_h100_mega_80gb", "nvidia_h200_141gb", "tpu_v5e_slice", "tpu_v6e_queued",
                 "hf_secret_on", "hf_secret_off", "invalid_accelerator_rejected", "tpu_node_pool_from_root"):
        assert re.search(rf'run "{name}"\.\.\. pass', output), f"run {name} did not pass:\n{output}"
    assert re.search(r"Success! \d+ passed, 0 failed\.", output)
