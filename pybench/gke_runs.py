"""Cluster runs after launch: finish one (save its log, download its reports, judge it), and the `collect`, `logs`,
`cancel` and `runs` commands, which work from the run id alone (the Job if it still exists, else the bucket)."""

import dataclasses
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from pybench import cluster, jobwatch
from pybench.errors import JobFailed, PybenchError, ReportError, RunNotFound, StorageError
from pybench.gke import ClusterTarget, follow_run
from pybench.render import check_run_id
from pybench.reports import load_run
from pybench.results import RunResult
from pybench.runrecord import RUN_FILE, RunRecord, now_iso, write_record
from pybench.storage import LOG_NAME, RunStore, StoredRun
from pybench.validity import MAX_FAILURE_RATIO, Verdict, judge


@dataclass
class Finished:
    run_dir: Path
    result: RunResult | None
    verdict: Verdict


def _record(run_dir: Path, store: RunStore, run_id: str) -> RunRecord:
    """The run's record: the local run.json, else the bucket's, else a bare one (a run rendered with --render-to)."""
    import json

    raw: dict[str, Any] = {}
    if (run_dir / RUN_FILE).is_file():
        try:
            raw = json.loads((run_dir / RUN_FILE).read_text())
        except ValueError:
            raw = {}
    raw = raw or store.get_record(run_id)
    names = {f.name for f in dataclasses.fields(RunRecord)}
    known = {k: v for k, v in raw.items() if k in names}
    base = {"run_id": run_id, "scenario": "?", "target": "gke", "accelerator": "?", "model": None, "endpoint": "?"}
    return RunRecord(**{**base, **known})


def finish(api: Any, target: ClusterTarget, store: RunStore, run_id: str, run_dir: Path,
           view: jobwatch.JobView | None, console: Console) -> Finished:
    """Keep the log, bring the reports home, judge them and record the outcome (locally and in the bucket).
    Raises JobFailed, after showing the pod's events and log tail, when the Job failed or could not start."""
    run_dir.mkdir(parents=True, exist_ok=True)
    record = _record(run_dir, store, run_id)
    log_path = run_dir / LOG_NAME
    if api is not None and view is not None and view.pod:
        full = jobwatch.pod_log(api, target.namespace, view.pod)
        if full:
            log_path.write_text(full)
    if log_path.is_file() and log_path.stat().st_size:
        store.put_text(run_id, LOG_NAME, log_path.read_text(errors="replace"))
    if view is not None and view.trouble:
        console.print(f"[bold red]Run {run_id} failed in the cluster:[/bold red] {view.trouble}")
        for line in jobwatch.trouble_report(api, target.namespace, view, log_path):
            console.print(line, markup=False, highlight=False)

    try:
        store.download_run(run_id, run_dir)
    except RunNotFound:
        pass
    try:
        result: RunResult | None = load_run(run_dir)
    except ReportError:
        result = None
    exit_code = view.exit_code if view is not None else record.exit_code
    ratio = float(record.extra.get("max_failure_ratio", MAX_FAILURE_RATIO))
    verdict = judge(result, exit_code, max_failure_ratio=ratio, planned_stages=record.planned_stages)
    trouble = view.trouble if view is not None else None
    record.ended_at, record.exit_code = record.ended_at or now_iso(), exit_code
    record.status = "failed" if trouble else "succeeded" if verdict.valid else "invalid"
    record.reasons = ([trouble] if trouble else []) + verdict.reasons
    write_record(run_dir, record)
    store.put_record(run_id, asdict(record))
    if result is not None:
        result.record = asdict(record)
    if trouble:
        if result is not None:
            from pybench.views import print_result

            print_result(result, verdict, console)
        raise JobFailed(f"run {run_id} failed: {trouble}; what it left is in {run_dir}.")
    return Finished(run_dir, result, verdict)


def _cluster_view(target: ClusterTarget, run_id: str, console: Console) -> tuple[Any, jobwatch.JobView | None]:
    """The API client and the run's Job state; (None, None) when the cluster cannot be reached, (api, None) when
    the Job no longer exists."""
    try:
        api = target.connect()
        cluster.check_reachable(api)
        view = jobwatch.observe(api, target.namespace, run_id)
    except cluster.ClusterUnreachable as e:
        console.print(f"[yellow]warning:[/yellow] {e} Working from the bucket only.")
        return None, None
    return api, None if view.state == "gone" else view


def collect(target: ClusterTarget, run_id: str, console: Console, wait: bool = True) -> Finished | None:
    """Bring a run's results home; a run still going is followed to its end first (unless wait is False)."""
    check_run_id(run_id)
    store = target.store()
    api, view = _cluster_view(target, run_id, console)
    run_dir = (target.results_dir / run_id).resolve()
    if view is not None and not view.over:
        if not wait:
            raise PybenchError(f"Run {run_id} is still running (pod {view.pod_phase or 'not created yet'}); "
                               f"collect it when it ends, or follow it with `pybench collect {run_id}`.")
        console.print(f"Run {run_id} is still running; following it (Ctrl-C leaves it running).")
        run_dir.mkdir(parents=True, exist_ok=True)
        record = _record(run_dir, store, run_id)
        view = follow_run(api, target, run_id, run_dir, record.planned_stages,
                          float(record.extra.get("planned_seconds", 0)), console)
        if view is None:
            return None
    elif view is None and not store.run_exists(run_id):
        raise RunNotFound(f"No run '{run_id}' in {store.url()} and no Job for it in namespace {target.namespace} "
                          "(`pybench runs` lists the runs).")
    return finish(api, target, store, run_id, run_dir, view, console)


def cancel(target: ClusterTarget, run_id: str, console: Console) -> list[str]:
    """Delete the run's Job (its pod goes with it) and ConfigMap; mark the run cancelled in the bucket."""
    check_run_id(run_id)
    api = target.connect()
    cluster.check_reachable(api)
    deleted = cluster.delete_run_objects(api, target.namespace, run_id)
    if not deleted:
        raise RunNotFound(f"No Job of run '{run_id}' in namespace {target.namespace}; it may have finished and "
                          "been deleted (`pybench runs` lists the runs).")
    if target.bucket:
        try:
            store = target.store()
            record = store.get_record(run_id)
            if record:
                record.update(status="cancelled", ended_at=now_iso())
                store.put_record(run_id, record)
        except StorageError as e:
            console.print(f"[yellow]warning:[/yellow] could not mark the run cancelled in the bucket: {e}")
    return deleted


def logs(target: ClusterTarget, run_id: str, echo: Callable[[str], None], console: Console, follow: bool = False,
         tail: int | None = None) -> None:
    """The run's log: from its pod while it exists, else the copy pybench saved (bucket, then results/)."""
    check_run_id(run_id)
    api, view = _cluster_view(target, run_id, console)
    if api is not None and view is not None and view.pod:
        if follow:
            follower = jobwatch.LogFollower(api, target.namespace, view.pod, Path(os.devnull), echo).start()
            try:
                while not follower.wait(timeout=0.5):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                follower.stop()
            return
        text = jobwatch.pod_log(api, target.namespace, view.pod, tail_lines=tail)
        if text is not None:
            _echo_lines(text, echo, tail)
            return
    local = target.results_dir / run_id / LOG_NAME
    text = target.store().get_text(run_id, LOG_NAME) if target.bucket else None
    if text is None and local.is_file():
        text = local.read_text(errors="replace")
    if text is None:
        raise RunNotFound(f"No log for run '{run_id}': no pod of it in namespace {target.namespace} (the log goes "
                          f"with the pod) and no saved copy in the bucket or {local}.")
    _echo_lines(text, echo, tail)


def _echo_lines(text: str, echo: Callable[[str], None], tail: int | None) -> None:
    lines = text.splitlines()
    for line in lines[-tail:] if tail else lines:
        echo(line)


def list_runs(target: ClusterTarget, limit: int | None = None) -> list[StoredRun]:
    return target.store().list_runs(limit)
