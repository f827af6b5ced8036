"""Following a run's Job in the cluster: what state it is in, its log stream (saved to a file, because the log
vanishes with the pod: inference-perf issue #489), and the evidence to show when it goes wrong."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text

from pybench.cluster import find_run_job
from pybench.progress import LiveProgress, RunProgress
from pybench.render.manifests import run_selector

# container waiting reasons that do not fix themselves
STUCK_REASONS = {"ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError",
                 "CreateContainerError", "CrashLoopBackOff", "RunContainerError"}
SCHEDULE_TIMEOUT_S = 600.0  # how long a pod may wait for a node (the cluster autoscaler may be adding one)
MAX_STREAM_FAILURES = 10  # log stream reconnections in a row that bring nothing new


@dataclass
class JobView:
    """One look at the Job and its newest pod."""

    state: str  # pending, running, succeeded, failed, gone
    pod: str | None = None
    pod_phase: str | None = None
    detail: str = ""  # what a pending pod waits for
    trouble: str | None = None  # why the run cannot succeed
    exit_code: int | None = None
    unschedulable: bool = False

    @property
    def over(self) -> bool:
        return self.trouble is not None or self.state in ("succeeded", "failed", "gone")


def observe(api: Any, namespace: str, run_id: str) -> JobView:
    from kubernetes import client

    job = find_run_job(api, namespace, run_id)
    if job is None:
        return JobView("gone", trouble=f"the Job of run {run_id} no longer exists in namespace {namespace} "
                                       "(cancelled, or deleted a day after it finished)")
    pods = client.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=run_selector(run_id)).items
    pods.sort(key=lambda p: p.metadata.creation_timestamp or 0)
    view = JobView("pending")
    if pods:
        _read_pod(pods[-1], view)
    for condition in job.status.conditions or []:
        if condition.status != "True":
            continue
        if condition.type == "Complete":
            view.state = "succeeded"
        elif condition.type == "Failed":
            view.state = "failed"
            if condition.reason == "DeadlineExceeded":
                deadline = job.spec.active_deadline_seconds
                view.trouble = f"the Job ran longer than its activeDeadlineSeconds ({deadline}s) and was stopped"
            elif view.trouble is None:
                view.trouble = f"the Job failed ({condition.reason}: {condition.message})"
    return view


def _read_pod(pod: Any, view: JobView) -> None:
    view.pod, view.pod_phase = pod.metadata.name, pod.status.phase
    if view.pod_phase == "Running":
        view.state = "running"
    for condition in pod.status.conditions or []:
        if condition.type == "PodScheduled" and condition.status == "False" and condition.reason == "Unschedulable":
            view.unschedulable = True
            view.detail = f"waiting for a node: {condition.message}"
    for status in pod.status.container_statuses or []:
        waiting, terminated = status.state.waiting, status.state.terminated
        if waiting and waiting.reason in STUCK_REASONS:
            why = f" ({waiting.message})" if waiting.message else ""
            view.trouble = f"the container cannot start: {waiting.reason}{why}"
        elif waiting:
            view.detail = waiting.reason or "starting"
        if terminated:
            view.exit_code = terminated.exit_code
            if terminated.reason == "OOMKilled":
                view.trouble = "inference-perf ran out of memory (OOMKilled); give the Job more with --job-memory"
            elif terminated.exit_code:
                view.trouble = f"inference-perf exited with code {terminated.exit_code} ({terminated.reason})"
    if view.pod_phase == "Failed" and view.trouble is None:
        view.trouble = f"the pod failed ({pod.status.reason or 'no reason given'}: {pod.status.message or ''})".rstrip()


def events(api: Any, namespace: str, name: str) -> list[str]:
    """The events about one object, oldest first, as 'Warning FailedScheduling: message'."""
    from kubernetes import client

    items = client.CoreV1Api(api).list_namespaced_event(namespace, field_selector=f"involvedObject.name={name}").items
    items.sort(key=lambda e: str(e.last_timestamp or e.event_time or e.metadata.creation_timestamp or ""))
    return [f"{e.type} {e.reason}: {e.message}" for e in items]


def pod_log(api: Any, namespace: str, pod: str, tail_lines: int | None = None) -> str | None:
    """The pod's log so far, or None when the pod (and so its log) is gone."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    kwargs = {"tail_lines": tail_lines} if tail_lines else {}
    try:
        # raw bytes: the client's own decoding of a text body returns "b'...'" in some versions
        response = client.CoreV1Api(api).read_namespaced_pod_log(pod, namespace, _preload_content=False, **kwargs)
        return response.data.decode("utf-8", "replace")
    except ApiException as e:
        if e.status in (400, 404):  # gone, or the container never started
            return None
        raise


def _stamp_key(stamp: str) -> tuple[str, str]:
    """RFC 3339 timestamps with nanoseconds (trailing zeros trimmed) in comparable form."""
    seconds, _, fraction = stamp.rstrip("Z").partition(".")
    return seconds, fraction.ljust(9, "0")


class LogFollower:
    """Streams a pod's log in a thread: every line to the log file and to on_line. Reconnects when the stream drops
    while the container still runs, skipping lines it already has (by their timestamps)."""

    def __init__(self, api: Any, namespace: str, pod: str, log_path: Path, on_line: Callable[[str], None]) -> None:
        self.api, self.namespace, self.pod = api, namespace, pod
        self.log_path, self.on_line = log_path, on_line
        self.done = threading.Event()
        self._stop = threading.Event()
        self._response: Any = None
        self._last: tuple[str, str] | None = None  # timestamp of the last line written
        self._same = 0  # how many lines written carry that timestamp
        self._thread = threading.Thread(target=self._run, name=f"log-{pod}", daemon=True)

    def start(self) -> "LogFollower":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        connection = getattr(self._response, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(2)  # wakes the thread's blocking read
            except OSError:
                pass
        self._thread.join(timeout=5)

    def wait(self, timeout: float) -> bool:
        return self.done.wait(timeout)

    def _run(self) -> None:
        from kubernetes import client

        core = client.CoreV1Api(self.api)
        failures = 0
        try:
            with open(self.log_path, "w", encoding="utf-8") as out:
                while not self._stop.is_set() and failures < MAX_STREAM_FAILURES:
                    seen = self._last
                    if self._stream(core, out):
                        return
                    failures = 0 if self._last != seen else failures + 1  # a stream that brought lines resets
                    self._stop.wait(1.0)
        finally:
            self.done.set()

    def _stream(self, core: Any, out: Any) -> bool:
        """One connection; True when the log is complete (the container ended) or the pod is gone. A reconnection
        gets the log from its start again: lines up to the last one written are skipped. Several lines can carry
        the same timestamp, so the skip counts them."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        replay = {"until": self._last, "same": self._same}
        try:
            self._response = core.read_namespaced_pod_log(self.pod, self.namespace, follow=True, timestamps=True,
                                                          _preload_content=False)
            pending = b""
            for chunk in self._response.stream(4096):
                if self._stop.is_set():
                    return True
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    self._emit(raw.decode("utf-8", "replace"), out, replay)
            if pending:
                self._emit(pending.decode("utf-8", "replace"), out, replay)
        except ApiException as e:
            return e.status in (400, 404)
        except (HTTPError, OSError):
            return self._stop.is_set()
        return self._container_ended(core)

    def _emit(self, stamped: str, out: Any, replay: dict[str, Any]) -> None:
        stamp, _, line = stamped.partition(" ")
        key = _stamp_key(stamp)
        if replay["until"] is not None:
            if key < replay["until"]:
                return
            if key == replay["until"] and replay["same"] > 0:
                replay["same"] -= 1
                return
            replay["until"] = None  # past what was written: from here on every line is new
        self._same = self._same + 1 if key == self._last else 1
        self._last = key
        out.write(line + "\n")
        out.flush()
        self.on_line(line)

    def _container_ended(self, core: Any) -> bool:
        from kubernetes.client.exceptions import ApiException

        try:
            pod = core.read_namespaced_pod(self.pod, self.namespace)
        except ApiException:
            return True
        return pod.status.phase in ("Succeeded", "Failed")


class JobProgress(RunProgress):
    """RunProgress with the pod's phase in front."""

    pod_phase: str | None = None

    def render(self) -> Text:
        text = super().render()
        return Text(f"pod {self.pod_phase} · ", style="cyan") + text if self.pod_phase else text


def follow(api: Any, namespace: str, run_id: str, log_path: Path, live: LiveProgress, poll_s: float = 2.0,
           schedule_timeout_s: float = SCHEDULE_TIMEOUT_S) -> JobView:
    """Watch the Job until it succeeds, fails or is in trouble; its log streams into log_path meanwhile.
    A KeyboardInterrupt stops the watching only (the Job keeps running)."""
    progress = live.progress
    follower: LogFollower | None = None
    waiting_since: float | None = None
    try:
        while True:
            view = observe(api, namespace, run_id)
            if view.pod and follower is None and view.pod_phase in ("Running", "Succeeded", "Failed"):
                follower = LogFollower(api, namespace, view.pod, log_path, live.feed).start()
            if isinstance(progress, JobProgress):
                progress.pod_phase = view.pod_phase or "not created yet"
            if progress.stage is None and view.detail:
                progress.phase = view.detail
            if view.unschedulable and view.trouble is None:
                waiting_since = waiting_since or time.monotonic()
                view.trouble = _scheduling_trouble(api, namespace, view, time.monotonic() - waiting_since,
                                                   schedule_timeout_s)
            if view.over:
                if follower and view.state in ("succeeded", "failed"):
                    follower.wait(timeout=30)
                return view
            time.sleep(poll_s)
    finally:
        if follower:
            follower.stop()


def _scheduling_trouble(api: Any, namespace: str, view: JobView, waited_s: float, timeout_s: float) -> str | None:
    """Unschedulable is final when the autoscaler says it will not add a node, or after timeout_s."""
    pod_events = events(api, namespace, view.pod or "")
    if any(" NotTriggerScaleUp:" in e for e in pod_events):
        return f"the pod cannot be scheduled and the cluster autoscaler will not add a node ({view.detail})"
    if waited_s >= timeout_s:
        return f"the pod found no node in {timeout_s:.0f}s ({view.detail})"
    return None


def trouble_report(api: Any, namespace: str, view: JobView, log_path: Path, tail: int = 20) -> list[str]:
    """The pod's events and the last lines of its log, for the terminal."""
    lines = []
    if view.pod:
        pod_events = events(api, namespace, view.pod)
        lines += ["Pod events:"] + [f"  {e}" for e in pod_events[-10:]] if pod_events else ["Pod events: none"]
    log = log_path.read_text(errors="replace").splitlines() if log_path.is_file() else []
    if not log and view.pod:
        log = (pod_log(api, namespace, view.pod, tail_lines=tail) or "").splitlines()
    if log:
        lines += [f"Last {min(tail, len(log))} log lines:"] + [f"  {line}" for line in log[-tail:]]
    return lines
