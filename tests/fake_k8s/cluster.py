"""FakeCluster: the objects, and the routes every kind shares (create, read, list with label and field selectors,
merge patch, server-side apply, delete), plus namespaces, /version and discovery."""

import copy
import json
import re
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from fake_http import Handler, JsonHttpServer, Request

from .deployments import deployment_pods, read_deployment
from .discovery import KINDS, RESOURCES, discovery, now, version
from .jobs import PodScript, run_job, write_log

NAMESPACED = re.compile(r"^/(?:api/v1|apis/(?P<group>[^/]+)/(?P<version>[^/]+))/namespaces/(?P<ns>[^/]+)/"
                        r"(?P<plural>[a-z]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[a-z]+))?)?$")
APPLY_PATCH = "application/apply-patch+yaml"


def status(code: int, reason: str, message: str) -> tuple[int, dict]:
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                  "reason": reason, "code": code}


class FakeCluster(JsonHttpServer):
    """`with FakeCluster() as cluster:` serves the Kubernetes API at cluster.url; every request lands in
    cluster.requests, every object in cluster.objects under (plural, namespace, name)."""

    def __init__(self, namespaces: tuple[str, ...] = ("default", "bench"),
                 group_versions: list[str] | None = None) -> None:
        super().__init__()
        self.namespaces = set(namespaces)
        self.group_versions = list(RESOURCES) if group_versions is None else group_versions  # served by discovery
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.requests: list[Request] = []
        self.lock = threading.RLock()
        self.stop = threading.Event()
        # Jobs (jobs.py)
        self.script = PodScript()
        self.logs: dict[str, list[tuple[str, str]]] = {}  # pod -> [(timestamp, line)]
        self.finished: dict[str, threading.Event] = {}  # pod -> set when its container ended (log streams end)
        # Deployments (deployments.py)
        self.ready_after_reads = 2  # a Deployment is ready from this read on
        self.pod_waiting: str | None = None  # keep Deployment pods' containers waiting with this reason
        self.reads: dict[tuple[str, str], int] = {}  # (namespace, name) -> reads of the Deployment

    def close(self) -> None:
        self.stop.set()
        self.script.release.set()
        super().close()

    # -- objects ---------------------------------------------------------------------------------------------
    def put(self, plural: str, namespace: str, obj: dict) -> dict:
        meta = obj.setdefault("metadata", {})
        meta.setdefault("namespace", namespace)
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now())
        meta["resourceVersion"] = str(time.monotonic_ns())
        obj.setdefault("kind", KINDS.get(plural, plural))
        with self.lock:
            self.objects[(plural, namespace, meta["name"])] = obj
        return obj

    def get(self, plural: str, namespace: str, name: str) -> dict | None:
        with self.lock:
            return self.objects.get((plural, namespace, name))

    def items(self, plural: str, namespace: str | None = None) -> list[dict]:
        with self.lock:
            return [o for (p, ns, _), o in self.objects.items() if p == plural and namespace in (None, ns)]

    def add_service(self, name: str, namespace: str = "bench", port: int = 8000, ready: int = 1) -> None:
        self.put("services", namespace, {"apiVersion": "v1", "metadata": {"name": name},
                                         "spec": {"ports": [{"name": "http", "port": port, "protocol": "TCP"}]}})
        endpoints = [{"addresses": [f"10.0.0.{i + 1}"], "conditions": {"ready": True}} for i in range(ready)]
        endpoints.append({"addresses": ["10.0.0.99"], "conditions": {"ready": False}})
        self.put("endpointslices", namespace, {
            "apiVersion": "discovery.k8s.io/v1", "addressType": "IPv4", "endpoints": endpoints,
            "metadata": {"name": f"{name}-abc", "labels": {"kubernetes.io/service-name": name}}})

    def add_event(self, namespace: str, kind: str, name: str, type_: str, reason: str, message: str) -> None:
        self.put("events", namespace, {
            "apiVersion": "v1", "metadata": {"name": f"{name}.{uuid.uuid4().hex[:8]}"}, "type": type_,
            "reason": reason, "message": message, "lastTimestamp": now(), "count": 1,
            "involvedObject": {"kind": kind, "name": name, "namespace": namespace}})

    # -- HTTP ------------------------------------------------------------------------------------------------
    def answer(self, handler: Handler) -> None:
        request = handler.read_json()
        self.requests.append(replace(request, body=copy.deepcopy(request.body)))  # as sent, whatever happens later
        m = NAMESPACED.match(request.path)
        if m and m["sub"] == "log" and m["ns"] in self.namespaces and self.get("pods", m["ns"], m["name"]):
            return write_log(self, handler, m["name"], request.query)
        return handler.send_json(*self.handle_json(request))

    def handle_json(self, request: Request) -> tuple[int, Any]:
        method, path, body = request.method, request.path, request.body
        if path.rstrip("/") == "/version":
            return 200, version()
        if method == "GET" and (document := discovery(path, self.group_versions)) is not None:
            return 200, document
        if m := re.fullmatch(r"/api/v1/namespaces/([^/]+)", path):
            if m[1] in self.namespaces:
                return 200, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": m[1]}}
            return status(404, "NotFound", f'namespaces "{m[1]}" not found')
        m = NAMESPACED.match(path)
        if not m:
            return status(404, "NotFound", f"the server could not find the requested resource ({method} {path})")
        ns, plural, name, sub = m["ns"], m["plural"], m["name"], m["sub"]
        if ns not in self.namespaces:
            return status(404, "NotFound", f'namespaces "{ns}" not found')
        if sub == "log":
            return status(404, "NotFound", f'pods "{name}" not found')
        if name is None and method == "GET":
            return self._list(ns, plural, request.query)
        if name is None and method == "POST":
            return self._create(ns, plural, body)
        if method == "PATCH" and request.content_type.startswith(APPLY_PATCH):
            return self._apply(ns, plural, name, body)
        obj = self.get(plural, ns, name)
        if obj is None:
            return status(404, "NotFound", f'{plural} "{name}" not found')
        if method == "GET":
            return 200, read_deployment(self, obj) if plural == "deployments" else obj
        if method == "PATCH":
            _merge(obj, body)
            return 200, obj
        return self._delete(ns, plural, name)

    def _list(self, ns: str, plural: str, query: dict[str, str]) -> tuple[int, dict]:
        items = self.items(plural, ns) + (deployment_pods(self, ns) if plural == "pods" else [])
        for selector in filter(None, query.get("labelSelector", "").split(",")):
            key, _, value = selector.partition("=")
            items = [o for o in items if o["metadata"].get("labels", {}).get(key) == value]
        for selector in filter(None, query.get("fieldSelector", "").split(",")):
            key, _, value = selector.partition("=")
            items = [o for o in items if _field(o, key) == value]
        return 200, {"kind": f"{KINDS.get(plural, plural)}List", "apiVersion": "v1",
                     "metadata": {"resourceVersion": "1"}, "items": items}

    def _create(self, ns: str, plural: str, body: dict) -> tuple[int, dict]:
        if self.get(plural, ns, body["metadata"]["name"]) is not None:
            return status(409, "AlreadyExists", f'{plural} "{body["metadata"]["name"]}" already exists')
        if plural == "jobs":
            body["status"] = {}
        obj = self.put(plural, ns, body)
        if plural == "jobs":
            threading.Thread(target=run_job, args=(self, obj), daemon=True).start()
        return 201, obj

    def _apply(self, ns: str, plural: str, name: str, body: dict) -> tuple[int, dict]:
        """Server-side apply: create the object, or replace what was applied before (no field ownership)."""
        if body.get("metadata", {}).get("name") != name:
            return status(400, "BadRequest", "the name of the object does not match the URL")
        old = self.get(plural, ns, name)
        meta = body["metadata"]
        meta["generation"] = 1 if old is None else old["metadata"].get("generation", 1) + 1
        if old is not None:
            meta["uid"], meta["creationTimestamp"] = old["metadata"]["uid"], old["metadata"]["creationTimestamp"]
        return (201 if old is None else 200), self.put(plural, ns, body)

    def _delete(self, ns: str, plural: str, name: str) -> tuple[int, dict]:
        with self.lock:
            del self.objects[(plural, ns, name)]
            if plural == "jobs":
                for pod in self.items("pods", ns):
                    if pod["metadata"]["labels"].get("job-name") == name:
                        del self.objects[("pods", ns, pod["metadata"]["name"])]
                        self.finished[pod["metadata"]["name"]].set()
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}


def _merge(target: dict, patch: dict) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _field(obj: dict, path: str) -> Any:
    for key in path.split("."):
        obj = obj.get(key, {}) if isinstance(obj, dict) else {}
    return obj if obj != {} else None


def write_kubeconfig(path: Path, url: str, context: str = "fake") -> Path:
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": "fake", "cluster": {"server": url}}],
        "contexts": [{"name": context, "context": {"cluster": "fake", "user": "fake"}}],
        "users": [{"name": "fake", "user": {"token": "fake-token"}}],
    }))
    return path
