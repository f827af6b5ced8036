"""A small stand-in for the Kubernetes API server: just what `pybench profiles manifest --apply` uses.

Discovery (/version, /apis, /api/v1, /apis/<group>/<version>) for the dynamic client, server-side apply (PATCH with
application/apply-patch+yaml), reading a Deployment, and listing its pods. Deployments turn ready after a set number
of status reads; pods can be made to hang in a waiting reason such as CreateContainerConfigError.
"""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlparse

RESOURCES = {
    "v1": [("services", "Service", True), ("pods", "Pod", True), ("namespaces", "Namespace", False),
           ("secrets", "Secret", True)],
    "apps/v1": [("deployments", "Deployment", True), ("deployments/status", "Deployment", True)],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    "monitoring.googleapis.com/v1": [("podmonitorings", "PodMonitoring", True)],
}
OBJECT_PATH = re.compile(r"^/(?:api|apis/[^/]+)/v\d\w*/namespaces/(?P<ns>[^/]+)/(?P<plural>[^/]+)/(?P<name>[^/]+)$")
LIST_PATH = re.compile(r"^/(?:api|apis/[^/]+)/v\d\w*/namespaces/(?P<ns>[^/]+)/(?P<plural>[^/]+)$")


@dataclass
class KubeState:
    namespaces: set[str] = field(default_factory=lambda: {"default", "bench"})
    group_versions: list[str] = field(default_factory=lambda: list(RESOURCES))
    ready_after_reads: int = 2  # a Deployment is ready from this status read on
    pod_waiting: str | None = None  # keep the pod's container waiting with this reason
    objects: dict[str, dict] = field(default_factory=dict)  # object path -> object
    reads: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, content type)


def _status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason,
            "code": code}


def _resource_list(gv: str) -> dict:
    return {
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
        "resources": [{"name": n, "singularName": n.rstrip("s"), "namespaced": ns, "kind": k,
                       "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                      for n, k, ns in RESOURCES[gv]],
    }


def _groups(state: KubeState) -> dict:
    groups = []
    for gv in state.group_versions:
        if "/" in gv:
            name, version = gv.split("/")
            entry = {"groupVersion": gv, "version": version}
            groups.append({"name": name, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _pod(dep: dict, ready: bool, reads: int, waiting: str | None) -> dict:
    labels = dep["spec"]["selector"]["matchLabels"]
    status: dict[str, Any] = {"phase": "Pending"}
    if waiting:
        status["containerStatuses"] = [{"name": "inference-server", "ready": False, "restartCount": 0, "image": "x",
                                        "imageID": "", "state": {"waiting": {"reason": waiting,
                                                                             "message": 'secret "hf-secret" not found'}}}]
    elif reads <= 1:
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                 "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}]
    else:
        status["phase"] = "Running"
        status["containerStatuses"] = [{"name": "inference-server", "ready": ready, "restartCount": 0, "image": "x",
                                        "imageID": "", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]
    return {"metadata": {"name": f"{dep['metadata']['name']}-7d9f-abcde", "namespace": dep["metadata"]["namespace"],
                         "labels": labels}, "spec": {"containers": [{"name": "inference-server"}]}, "status": status}


def handle(state: KubeState, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict]:
    if path == "/version":
        return 200, {"major": "1", "minor": "31", "gitVersion": "v1.31.4-gke.1000"}
    if path == "/api":
        return 200, {"kind": "APIVersions", "versions": ["v1"]}
    if path == "/apis":
        return 200, _groups(state)
    gv = path.removeprefix("/apis/").removeprefix("/api/")
    if method == "GET" and gv in state.group_versions:
        return 200, _resource_list(gv)
    if m := OBJECT_PATH.match(path):
        ns, plural, name = m["ns"], m["plural"], m["name"]
        if ns not in state.namespaces:
            return 404, _status(404, "NotFound", f'namespaces "{ns}" not found')
        if method == "PATCH":
            if body.get("metadata", {}).get("name") != name:
                return 400, _status(400, "BadRequest", "the name of the object does not match the URL")
            created = path not in state.objects
            obj = {**body, "metadata": {**body["metadata"], "uid": f"uid-{name}", "generation": 1,
                                        "resourceVersion": "1"}}
            state.objects[path] = obj
            return (201 if created else 200), obj
        if method == "GET" and path in state.objects:
            obj = state.objects[path]
            if plural == "deployments":
                state.reads[path] = reads = state.reads.get(path, 0) + 1
                ready = 1 if reads >= state.ready_after_reads and not state.pod_waiting else 0
                obj = {**obj, "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                                         "readyReplicas": ready, "availableReplicas": ready}}
            return 200, obj
        return 404, _status(404, "NotFound", f'{plural} "{name}" not found')
    if (m := LIST_PATH.match(path)) and m["plural"] == "pods" and method == "GET":
        wanted = dict(kv.split("=", 1) for kv in query.get("labelSelector", "").split(",") if kv)
        items = []
        for p, dep in state.objects.items():
            if "/deployments/" in p and wanted.items() <= dep["spec"]["selector"]["matchLabels"].items():
                reads = state.reads.get(p, 0)
                items.append(_pod(dep, reads >= state.ready_after_reads, reads, state.pod_waiting))
        return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items}
    return 404, _status(404, "NotFound", f"the server could not find the requested resource ({method} {path})")


class _Handler(BaseHTTPRequestHandler):
    server: "FakeKube"

    def _answer(self) -> None:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        state = self.server.state
        state.requests.append((self.command, url.path, self.headers.get("Content-Type", "")))
        code, payload = handle(state, self.command, url.path, {k: v[-1] for k, v in parse_qs(url.query).items()}, body)
        raw = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_PATCH = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


class FakeKube(ThreadingHTTPServer):
    """`with FakeKube() as kube:` serves on 127.0.0.1; kube.write_kubeconfig(path) points a kubeconfig at it."""

    daemon_threads = True

    def __init__(self, state: KubeState | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state or KubeState()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"

    def write_kubeconfig(self, path: Path) -> Path:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": "fake-token"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
        }))
        return path

    def __enter__(self) -> Self:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
