"""The simulator's container image recipe and cluster manifests, checked statically (no Docker engine or Kubernetes
API server runs here): strict schema validation, checkov, and the image's contents being enough to serve."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from k8s_schemas import validate_manifest
from kubernetes_validate.utils import latest_version

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "simulator" / "Dockerfile"
REQUIREMENTS = ROOT / "deploy" / "simulator" / "requirements.txt"
MANIFESTS = ROOT / "manifests" / "servers" / "simulator"
CHECKOV = Path(sys.executable).with_name("checkov")


def rendered() -> list[dict]:
    """What `kubectl apply -k manifests/servers/simulator` applies: the resources with the kustomization's
    namespace, labels and image (done here by hand, so no kubectl is needed)."""
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    image = kustomization["images"][0]
    docs = []
    for name in kustomization["resources"]:
        doc = yaml.safe_load((MANIFESTS / name).read_text())
        doc["metadata"]["namespace"] = kustomization["namespace"]
        doc["metadata"].setdefault("labels", {}).update(kustomization["labels"][0]["pairs"])
        for container in doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            if container["image"] == image["name"]:
                container["image"] = f"{image['newName']}:{image['newTag']}"
        docs.append(doc)
    return docs


@pytest.mark.parametrize("version", ["1.33", latest_version()])
def test_the_manifests_validate_strictly(version):
    kinds = []
    for doc in rendered():
        kinds.append(doc["kind"])
        validate_manifest(doc, version)
    assert sorted(kinds) == ["Deployment", "NetworkPolicy", "PodMonitoring", "Service"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_renders_the_same_documents():
    out = subprocess.run(["kubectl", "kustomize", str(MANIFESTS)], capture_output=True, text=True, check=True).stdout
    by_kind = {d["kind"]: d for d in yaml.safe_load_all(out)}
    for doc in rendered():
        assert by_kind[doc["kind"]] == doc


def test_the_server_is_cpu_only_non_root_probed_and_scraped():
    docs = {d["kind"]: d for d in rendered()}
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 65532
    assert container["securityContext"]["readOnlyRootFilesystem"] and container["securityContext"]["capabilities"] == {
        "drop": ["ALL"]}
    assert container["resources"]["requests"] == container["resources"]["limits"]
    assert not any("nvidia.com" in k or "google.com/tpu" in k for k in container["resources"]["limits"])
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
    env = {e["name"]: e["value"] for e in container["env"]}
    from pybench.simulator.profiles import get_profile

    profile = get_profile(env["ACCELERATOR"], model_profile=env["MODEL_PROFILE"])
    assert env["MODEL_ID"] == profile.served_model_name
    service, monitor = docs["Service"], docs["PodMonitoring"]
    assert service["spec"]["ports"][0]["port"] == 8000 and service["spec"]["selector"] == {"app": "pybench-sim"}
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "15s"}]
    assert monitor["spec"]["selector"]["matchLabels"] == {"app": "pybench-sim"}


def test_checkov_passes_the_manifests_and_the_dockerfile(tmp_path):
    (tmp_path / "simulator.yaml").write_text(yaml.safe_dump_all(rendered()))
    shutil.copy(DOCKERFILE, tmp_path / "Dockerfile")
    for framework in ("kubernetes", "dockerfile"):
        run = subprocess.run([str(CHECKOV), "-d", str(tmp_path), "--framework", framework, "--compact",
                              "--skip-download", "-o", "json"], check=False, capture_output=True, text=True, timeout=180)
        report = json.loads(run.stdout)
        failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
        assert not failed and run.returncode == 0, failed
        assert report["summary"]["passed"] > 20
        for check in report["results"]["skipped_checks"]:
            assert len(check["check_result"].get("suppress_comment") or "") > 20, check["check_id"]


def dockerfile_copies() -> list[tuple[list[str], str]]:
    copies = []
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            copies.append((sources, dest))
    return copies


def test_the_dockerfile_runs_the_simulator_as_a_non_root_user():
    text = DOCKERFILE.read_text()
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE).group(1)
    assert ":" in base and not base.endswith(":latest")
    assert re.search(r"^USER 65532:65532$", text, re.MULTILINE)
    assert '"-m", "pybench.simulator", "--host", "0.0.0.0", "--port", "8000"' in text and "EXPOSE 8000" in text
    for sources, _ in dockerfile_copies():
        for source in sources:
            assert (ROOT / source).exists(), source


def test_the_image_contents_serve_on_their_own(tmp_path):
    """Lay out /app as the Dockerfile does, import the server from it alone, serve a request, and check every
    third-party package the loaded modules import is in the image's requirements."""
    app = tmp_path / "app"
    for sources, dest in dockerfile_copies():
        if not dest.startswith("/app/pybench"):
            continue
        target = app / dest.removeprefix("/app/")
        for source in sources:
            src = ROOT / source
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(src, target / src.name)
    script = (
        "import json, runpy, sys\n"
        f"sys.path.insert(0, {str(app)!r})\n"
        "import pybench.simulator.app, pybench.simulator.__main__\n"
        "print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.startswith('pybench'))))\n"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                       cwd=tmp_path).stdout)
    assert loaded and all(path.startswith(str(app)) for path in loaded), loaded
    required = {re.split(r"[=<>\[ ]", line)[0].lower() for line in REQUIREMENTS.read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    imported = set()
    for path in loaded:
        for node in ast.walk(ast.parse(Path(path).read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            imported |= {n.split(".")[0] for n in names}
    third_party = imported - set(sys.stdlib_module_names) - {"pybench"}
    assert third_party <= required, third_party - required

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    serve = (f"import runpy, sys; sys.path.insert(0, {str(app)!r}); sys.argv = ['sim', '--port', '0']; "
             "runpy.run_module('pybench.simulator', run_name='__main__')")
    child = subprocess.Popen([sys.executable, "-c", serve], stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        url = child.stdout.readline().strip().rsplit(" ", 1)[-1]
        with urllib.request.urlopen(url + "/v1/models", timeout=10) as response:
            assert json.loads(response.read())["data"][0]["id"] == "pybench/sim-llama-3.1-8b"
    finally:
        child.terminate()
        child.wait(timeout=10)
