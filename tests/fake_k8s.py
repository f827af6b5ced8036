"""A small Kubernetes API server for tests: the paths pybench's cluster runs use, driven through the REAL kubernetes
client (kubeconfig pointing at http://127.0.0.1:PORT).

Objects live in memory, keyed by (plural, namespace, name): create/read/patch/delete/list with label and field
selectors for any namespaced kind, plus /version, namespaces and pod logs (follow=true streams chunked, like the real
server). Creating a Job starts its PodScript in a thread: a pod goes Pending -> Running (printing log lines) ->
Succeeded/Failed, or sticks (Unschedulable, ImagePullBackOff), and the Job's status follows."""

import _thread
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

KINDS = {"configmaps": "ConfigMap", "jobs": "Job", "pods": "Pod", "services": "Service", "secrets": "Secret",
         "serviceaccounts": "ServiceAccount", "endpointslices": "EndpointSlice", "events": "Event"}
NAMESPACED = re.compile(r"^/(?:api/v1|apis/(?P<group>[^/]+)/(?P<version>[^/]+))/namespaces/(?P<ns>[^/]+)/"
                        r"(?P<plural>[a-z]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[a-z]+))?)?$")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class PodScript:
    """What the Job's pod does once the Job is created."""

    log_lines: list[str] = field(default_factory=list)
    line_delay_s: float = 0.01
    start_delay_s: float = 0.05
    exit_code: int = 0
    terminated_reason: str = "Completed"  # or Error, OOMKilled
    job_failure: str = "BackoffLimitExceeded"  # reason of the Job's Failed condition when exit_code != 0
    unschedulable: str | None = None  # stay Pending with this FailedScheduling message
    waiting_reason: str | None = None  # stay in ContainerCreating-like waiting with this reason (ImagePullBackOff)
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message) on the pod
    hold_after: int | None = None  # stop after this many log lines until `release` is set
    release: threading.Event = field(default_factory=threading.Event)
    interrupt_on: str | None = None  # Ctrl-C the test (main thread) when a follow stream sends this line
    on_success: Callable[[dict], None] | None = None  # gets the ConfigMap's config: upload reports like the pod
    paired_stamps: bool = False  # lines 2k and 2k+1 share a timestamp (as lines read in one chunk can)
    drop_stream_after: int | None = None  # end the first follow stream after this many lines (a dropped connection)


class FakeCluster:
    def __init__(self, namespaces: tuple[str, ...] = ("default", "bench")) -> None:
        self.namespaces = set(namespaces)
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.logs: dict[str, list[tuple[str, str]]] = {}  # pod -> [(timestamp, line)]
        self.finished: dict[str, threading.Event] = {}  # pod -> set when its container ended (log streams end)
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, body)
        self.script = PodScript()
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.script.release.set()
        self.server.shutdown()
        self.server.server_close()

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

    # -- the Job's pod ---------------------------------------------------------------------------------------
    def _run_job(self, job: dict) -> None:
        script, ns = self.script, job["metadata"]["namespace"]
        name = job["metadata"]["name"]
        pod_name = f"{name}-x7k2p"
        container = job["spec"]["template"]["spec"]["containers"][0]
        pod = {"apiVersion": "v1", "metadata": {"name": pod_name, "labels": {
            **job["spec"]["template"]["metadata"]["labels"], "job-name": name}},
            "spec": job["spec"]["template"]["spec"],
            "status": {"phase": "Pending", "conditions": [], "containerStatuses": []}}
        self.logs[pod_name], self.finished[pod_name] = [], threading.Event()
        self.put("pods", ns, pod)
        self._job_status(ns, name, active=1)
        for type_, reason, message in script.events:
            self.add_event(ns, "Pod", pod_name, type_, reason, message)
        if script.unschedulable:
            pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                            "message": script.unschedulable}]
            self.add_event(ns, "Pod", pod_name, "Warning", "FailedScheduling", script.unschedulable)
            return
        time.sleep(script.start_delay_s)
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
        status = {"name": container["name"], "image": container["image"], "imageID": "", "ready": False,
                  "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}
        pod["status"]["containerStatuses"] = [status]
        if script.waiting_reason:
            status["state"] = {"waiting": {"reason": script.waiting_reason,
                                           "message": f'Back-off pulling image "{container["image"]}"'}}
            self.add_event(ns, "Pod", pod_name, "Warning", "Failed", f"Error: {script.waiting_reason}")
            return
        status["state"], status["ready"] = {"running": {"startedAt": now()}}, True
        pod["status"]["phase"] = "Running"
        for i, line in enumerate(script.log_lines):
            if script.hold_after is not None and i == script.hold_after:
                script.release.wait()
            if self.stop.is_set() or self.get("jobs", ns, name) is None:
                return
            stamp = self.logs[pod_name][-1][0] if script.paired_stamps and i % 2 else log_stamp()
            self.logs[pod_name].append((stamp, line))
            time.sleep(script.line_delay_s)
        if script.exit_code == 0 and script.on_success:
            configmap = self.get("configmaps", ns, name)
            script.on_success(__import__("yaml").safe_load(configmap["data"]["config.yaml"]))
        status["ready"] = False
        status["state"] = {"terminated": {"exitCode": script.exit_code, "reason": script.terminated_reason,
                                          "finishedAt": now()}}
        pod["status"]["phase"] = "Succeeded" if script.exit_code == 0 else "Failed"
        self.finished[pod_name].set()
        if script.exit_code == 0:
            self._job_status(ns, name, succeeded=1, condition=("Complete", None, None))
        else:
            self._job_status(ns, name, failed=1, condition=(
                "Failed", script.job_failure, "Job has reached the specified backoff limit"))

    def _job_status(self, ns: str, name: str, condition: tuple | None = None, **counts: int) -> None:
        job = self.get("jobs", ns, name)
        if job is None:
            return
        status: dict[str, Any] = {"startTime": job["status"].get("startTime", now()), **counts}
        if "active" not in counts:
            status["active"] = 0
        if condition:
            type_, reason, message = condition
            status["conditions"] = [{"type": type_, "status": "True", "reason": reason, "message": message,
                                     "lastTransitionTime": now()}]
            status["completionTime" if type_ == "Complete" else "failedTime"] = now()
            status.pop("failedTime", None)
        job["status"] = status

    # -- HTTP ------------------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        cluster = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                return json.loads(raw) if raw else {}

            def _send(self, code: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _status(self, code: int, reason: str, message: str) -> None:
                self._send(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                  "message": message, "reason": reason, "code": code})

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_PATCH(self) -> None:
                self._dispatch("PATCH")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

            def _dispatch(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self._body() if method in ("POST", "PATCH", "DELETE") else {}
                cluster.requests.append((method, url.path, {**body, **({"query": query} if query else {})}))
                if url.path.rstrip("/") == "/version":
                    return self._send(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.5-gke.1",
                                            "gitCommit": "abc", "gitTreeState": "clean", "buildDate": now(),
                                            "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"})
                if m := re.fullmatch(r"/api/v1/namespaces/([^/]+)", url.path):
                    if m.group(1) in cluster.namespaces:
                        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": m.group(1)}}
                        return self._send(200, namespace)
                    return self._status(404, "NotFound", f'namespaces "{m.group(1)}" not found')
                m = NAMESPACED.match(url.path)
                if not m:
                    return self._status(404, "NotFound", f"no route {url.path}")
                ns, plural, name, sub = m.group("ns"), m.group("plural"), m.group("name"), m.group("sub")
                if ns not in cluster.namespaces:
                    return self._status(404, "NotFound", f'namespaces "{ns}" not found')
                if sub == "log":
                    return self._log(ns, name, query)
                if name is None and method == "GET":
                    return self._list(ns, plural, query)
                if name is None and method == "POST":
                    return self._create(ns, plural, body)
                obj = cluster.get(plural, ns, name)
                if obj is None:
                    return self._status(404, "NotFound", f'{plural} "{name}" not found')
                if method == "GET":
                    return self._send(200, obj)
                if method == "PATCH":
                    _merge(obj, body)
                    return self._send(200, obj)
                return self._delete(ns, plural, name, obj)

            def _list(self, ns: str, plural: str, query: dict) -> None:
                items = cluster.items(plural, ns)
                for selector in filter(None, query.get("labelSelector", "").split(",")):
                    key, _, value = selector.partition("=")
                    items = [o for o in items if o["metadata"].get("labels", {}).get(key) == value]
                for selector in filter(None, query.get("fieldSelector", "").split(",")):
                    key, _, value = selector.partition("=")
                    items = [o for o in items if _field(o, key) == value]
                self._send(200, {"kind": f"{KINDS.get(plural, plural)}List", "apiVersion": "v1",
                                 "metadata": {"resourceVersion": "1"}, "items": items})

            def _create(self, ns: str, plural: str, body: dict) -> None:
                if cluster.get(plural, ns, body["metadata"]["name"]) is not None:
                    return self._status(409, "AlreadyExists", f'{plural} "{body["metadata"]["name"]}" already exists')
                if plural == "jobs":
                    body["status"] = {}
                obj = cluster.put(plural, ns, body)
                self._send(201, obj)
                if plural == "jobs":
                    threading.Thread(target=cluster._run_job, args=(obj,), daemon=True).start()

            def _delete(self, ns: str, plural: str, name: str, obj: dict) -> None:
                with cluster.lock:
                    del cluster.objects[(plural, ns, name)]
                    if plural == "jobs":
                        for pod in cluster.items("pods", ns):
                            if pod["metadata"]["labels"].get("job-name") == name:
                                del cluster.objects[("pods", ns, pod["metadata"]["name"])]
                                cluster.finished[pod["metadata"]["name"]].set()
                self._send(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"})

            def _log(self, ns: str, pod: str, query: dict) -> None:
                if cluster.get("pods", ns, pod) is None:
                    return self._status(404, "NotFound", f'pods "{pod}" not found')
                stamps = query.get("timestamps", "").lower() == "true"
                fmt = (lambda ts, line: f"{ts} {line}\n") if stamps else (lambda ts, line: f"{line}\n")
                if query.get("follow", "").lower() != "true":
                    lines = cluster.logs.get(pod, [])
                    if "tailLines" in query:
                        lines = lines[-int(query["tailLines"]):]
                    data = "".join(fmt(ts, line) for ts, line in lines).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return None
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent, done = 0, cluster.finished[pod]
                drop_after, cluster.script.drop_stream_after = cluster.script.drop_stream_after, None
                try:
                    while True:
                        finished = done.is_set()
                        lines = cluster.logs.get(pod, [])
                        if drop_after is not None and len(lines) - sent > drop_after:
                            lines, finished = lines[:sent + drop_after], True
                        for ts, line in lines[sent:]:
                            chunk = fmt(ts, line).encode()
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                            if cluster.script.interrupt_on and cluster.script.interrupt_on in line:
                                cluster.script.interrupt_on = None
                                _thread.interrupt_main()
                        sent = len(lines)
                        if finished or cluster.stop.is_set():
                            break
                        time.sleep(0.01)
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return None

        return Handler


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


def write_kubeconfig(path: Any, url: str, context: str = "fake") -> None:
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": "fake", "cluster": {"server": url}}],
        "contexts": [{"name": context, "context": {"cluster": "fake", "user": "fake"}}],
        "users": [{"name": "fake", "user": {"token": "fake-token"}}],
    }))
