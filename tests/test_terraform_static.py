"""Static checks of terraform/: formatting, checkov, module layout and documentation, and the accelerator catalog
agreeing with pybench.accelerators.CATALOG. None of these needs a provider."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from pybench.accelerators import CATALOG

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM = ROOT / "terraform"
MODULES = sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())
ALL_MODULES = [TERRAFORM, *MODULES]
REQUIRED_ACCELERATORS = {
    "nvidia-l4", "nvidia-tesla-a100", "nvidia-a100-80gb", "nvidia-h100-80gb", "nvidia-h100-mega-80gb",
    "nvidia-h200-141gb", "tpu-v5-lite-podslice", "tpu-v6e-slice",
}
needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")


def plain(value):
    """python-hcl2 and checkov's bc-python-hcl2 both install the `hcl2` module; the latter wraps values in
    one-element lists and keeps quotes on keys. Reduce either form to plain Python values."""
    if isinstance(value, list):
        items = [plain(v) for v in value]
        return items[0] if len(items) == 1 else items
    if isinstance(value, dict):
        return {k.strip('"'): plain(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value


def parse(path: Path) -> dict:
    with open(path) as f:
        return hcl2.load(f)


def blocks(path: Path, kind: str) -> dict[str, dict]:
    """{name: body} of every `kind` block (variable, output) in a file."""
    found = {}
    for entry in parse(path).get(kind, []):
        for name, body in entry.items():
            found[name.strip('"')] = plain(body)
    return found


def tf_env(tmp_path: Path) -> dict[str, str]:
    rc = tmp_path / "empty.tfrc"
    rc.write_text("disable_checkpoint = true\n")
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}


@needs_terraform
def test_terraform_fmt(tmp_path):
    proc = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-diff", "-no-color"], check=False,
                          cwd=ROOT / "terraform",
                          env=tf_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, f"terraform fmt would change:\n{proc.stdout}{proc.stderr}"
    proc = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-no-color", "tests/terraform"], check=False, cwd=ROOT,
                          env=tf_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_checkov_finds_nothing(tmp_path):
    checkov = Path(os.sys.executable).parent / "checkov"
    if not checkov.exists():
        pytest.skip("checkov is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([str(checkov), "-d", "terraform", "--framework", "terraform", "--skip-download",
                           "--compact", "--quiet", "--output", "json"], check=False, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "BC_SKIP_MAPPING": "TRUE"}, timeout=240)
    assert proc.returncode == 0, f"checkov failed:\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}"
    import json

    report = json.loads(proc.stdout)
    summary = report["summary"] if isinstance(report, dict) else report[0]["summary"]
    assert summary["failed"] == 0
    assert summary["passed"] >= 20  # the bucket, the IAM grants, the KSA and the example node pools were scanned


def test_every_skip_carries_a_reason():
    for path in TERRAFORM.rglob("*.tf"):
        for line in path.read_text().splitlines():
            if "checkov:skip" in line:
                assert re.search(r"#checkov:skip=CKV\w*_\d+:\S.{10,}", line), f"{path}: skip without a reason: {line}"


def test_catalog_agrees_with_pybench():
    body = parse(TERRAFORM / "modules" / "accelerator-node-pool" / "catalog.tf")
    hcl_catalog = {}
    for entry in body["locals"]:
        entry = plain(entry)
        if "catalog" in entry:
            hcl_catalog = entry["catalog"]
    assert set(hcl_catalog) == set(CATALOG)
    assert REQUIRED_ACCELERATORS <= set(CATALOG)
    for name, accel in CATALOG.items():
        tf = hcl_catalog[name]
        assert tf["kind"] == accel.kind, name
        assert {int(k): v for k, v in tf["machine_types"].items()} == accel.machine_types, name
        assert {int(k): v for k, v in (tf["tpu_topologies"] or {}).items()} == accel.tpu_topologies, name


@pytest.mark.parametrize("module", ALL_MODULES, ids=lambda p: p.name)
def test_module_layout_and_docs(module):
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (module / name).is_file(), f"{module.name} lacks {name}"
    readme = (module / "README.md").read_text()
    assert "## Inputs" in readme and "## Outputs" in readme
    variables = blocks(module / "variables.tf", "variable")
    outputs = blocks(module / "outputs.tf", "output")
    assert variables and outputs
    for name, body in variables.items():
        assert body.get("description"), f"{module.name}: variable {name} has no description"
        assert body.get("type"), f"{module.name}: variable {name} has no type"
        assert f"| `{name}` |" in readme, f"{module.name}/README.md does not list input {name}"
    for name, body in outputs.items():
        assert body.get("description"), f"{module.name}: output {name} has no description"
        assert f"| `{name}` |" in readme, f"{module.name}/README.md does not list output {name}"
    for path in module.glob("*.tf"):
        assert len(path.read_text().splitlines()) <= 300, f"{path} is over 300 lines"


@pytest.mark.parametrize("module", ALL_MODULES, ids=lambda p: p.name)
def test_versions_are_pinned_to_a_major(module):
    terraform = plain(parse(module / "versions.tf")["terraform"])
    assert re.fullmatch(r">= 1\.\d+, < 2\.0", terraform["required_version"])
    for name, spec in terraform["required_providers"].items():
        low, high = re.fullmatch(r">= (\d+)\.\d+, < (\d+)\.0", spec["version"]).groups()
        assert int(high) == int(low) + 1, f"{module.name}: {name} must be pinned below its next major"


def test_enum_variables_have_validations_naming_the_allowed_values():
    enums = {"provisioning": ["on-demand", "spot", "reservation", "queued"], "gpu_driver_version": ["LATEST", "DEFAULT"],
             "storage_class": ["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"]}
    seen = 0
    for module in ALL_MODULES:
        for name, body in blocks(module / "variables.tf", "variable").items():
            if name in enums:
                seen += 1
                message = str(body["validation"]["error_message"])
                assert all(value in message for value in enums[name]), f"{module.name}: {name}: {message}"
    assert seen == 5
    accelerator = blocks(TERRAFORM / "modules" / "accelerator-node-pool" / "variables.tf", "variable")["accelerator"]
    assert "keys(local.catalog)" in str(accelerator["validation"]["error_message"])
