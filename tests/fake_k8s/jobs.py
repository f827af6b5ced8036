"""Jobs: creating one starts the cluster's PodScript in a thread. Its pod goes Pending -> Running (printing log lines)
-> Succeeded/Failed, or sticks (Unschedulable, ImagePullBackOff), and the Job's status follows. Pod logs are served
whole, tailed, or followed (chunked, like the real server, until the container ends)."""

import _thread
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import yaml
from fake_http import Handler

from .discovery import now

if TYPE_CHECKING:
    from .cluster import FakeCluster


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


def run_job(cluster: "FakeCluster", job: dict) -> None:
    """Play the cluster's PodScript as the Job's one pod."""
    script, ns = cluster.script, job["metadata"]["namespace"]
    name = job["metadata"]["name"]
    pod_name = f"{name}-x7k2p"
    container = job["spec"]["template"]["spec"]["containers"][0]
    pod = {"apiVersion": "v1", "metadata": {"name": pod_name, "labels": {
        **job["spec"]["template"]["metadata"]["labels"], "job-name": name}},
        "spec": job["spec"]["template"]["spec"],
        "status": {"phase": "Pending", "conditions": [], "containerStatuses": []}}
    cluster.logs[pod_name], cluster.finished[pod_name] = [], threading.Event()
    cluster.put("pods", ns, pod)
    _job_status(cluster, ns, name, active=1)
    for type_, reason, message in script.events:
        cluster.add_event(ns, "Pod", pod_name, type_, reason, message)
    if script.unschedulable:
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                        "message": script.unschedulable}]
        cluster.add_event(ns, "Pod", pod_name, "Warning", "FailedScheduling", script.unschedulable)
        return
    time.sleep(script.start_delay_s)
    pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
    status = {"name": container["name"], "image": container["image"], "imageID": "", "ready": False,
              "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}
    pod["status"]["containerStatuses"] = [status]
    if script.waiting_reason:
        status["state"] = {"waiting": {"reason": script.waiting_reason,
                                       "message": f'Back-off pulling image "{container["image"]}"'}}
        cluster.add_event(ns, "Pod", pod_name, "Warning", "Failed", f"Error: {script.waiting_reason}")
        return
    status["state"], status["ready"] = {"running": {"startedAt": now()}}, True
    pod["status"]["phase"] = "Running"
    for i, line in enumerate(script.log_lines):
        if script.hold_after is not None and i == script.hold_after:
            script.release.wait()
        if cluster.stop.is_set() or cluster.get("jobs", ns, name) is None:
            return
        stamp = cluster.logs[pod_name][-1][0] if script.paired_stamps and i % 2 else log_stamp()
        cluster.logs[pod_name].append((stamp, line))
        time.sleep(script.line_delay_s)
    if script.exit_code == 0 and script.on_success:
        configmap = cluster.get("configmaps", ns, name)
        script.on_success(yaml.safe_load(configmap["data"]["config.yaml"]))
    status["ready"] = False
    status["state"] = {"terminated": {"exitCode": script.exit_code, "reason": script.terminated_reason,
                                      "finishedAt": now()}}
    pod["status"]["phase"] = "Succeeded" if script.exit_code == 0 else "Failed"
    cluster.finished[pod_name].set()
    if script.exit_code == 0:
        _job_status(cluster, ns, name, succeeded=1, condition=("Complete", None, None))
    else:
        _job_status(cluster, ns, name, failed=1, condition=(
            "Failed", script.job_failure, "Job has reached the specified backoff limit"))


def _job_status(cluster: "FakeCluster", ns: str, name: str, condition: tuple | None = None, **counts: int) -> None:
    job = cluster.get("jobs", ns, name)
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


def write_log(cluster: "FakeCluster", handler: Handler, pod: str, query: dict[str, str]) -> None:
    """Answer GET .../pods/<pod>/log: the lines so far, or (follow=true) every line until the container ends."""
    stamps = query.get("timestamps", "").lower() == "true"
    fmt = (lambda ts, line: f"{ts} {line}\n") if stamps else (lambda ts, line: f"{line}\n")
    if query.get("follow", "").lower() != "true":
        lines = cluster.logs.get(pod, [])
        if "tailLines" in query:
            lines = lines[-int(query["tailLines"]):]
        return handler.send_body(200, "".join(fmt(ts, line) for ts, line in lines).encode(),
                                 {"Content-Type": "text/plain"})
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    sent, done = 0, cluster.finished[pod]
    drop_after, cluster.script.drop_stream_after = cluster.script.drop_stream_after, None
    try:
        while True:
            finished = done.is_set()
            lines = list(cluster.logs.get(pod, []))  # a copy: the pod appends while this sends
            if drop_after is not None and len(lines) > drop_after:  # this stream carries the first drop_after lines
                lines, finished = lines[:drop_after], True
            for ts, line in lines[sent:]:
                chunk = fmt(ts, line).encode()
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.flush()
                if cluster.script.interrupt_on and cluster.script.interrupt_on in line:
                    cluster.script.interrupt_on = None
                    _thread.interrupt_main()
            sent = len(lines)
            if finished or cluster.stop.is_set():
                break
            time.sleep(0.01)
        handler.wfile.write(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    return None
