"""`pybench bench --target gke`: inference-perf as a Job beside the model server, followed live, its reports
brought home from gs://BUCKET/runs/<run-id>/ into results/<run-id>/ and judged like a local run.

Like the local run, everything that can be checked is checked before anything is created: the scenario and
overrides render, then the preflight (cluster, namespace, service account, the endpoint's Service, the bucket)."""

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from pybench import cluster, jobwatch
from pybench.accelerators import get_accelerator
from pybench.errors import PreflightError, RunExists, SettingsError, StorageError
from pybench.progress import LiveProgress
from pybench.render import (
    DEFAULT_IMAGE,
    REPORTS_PATH,
    JobSpec,
    RenderRequest,
    Storage,
    active_deadline_s,
    check_run_id,
    dump_manifests,
    dump_yaml,
    load_scenario,
    new_run_id,
    planned_duration_s,
    planned_stages,
    render_config,
    render_job_manifests,
)
from pybench.runrecord import RunRecord, now_iso, tool_versions, write_record
from pybench.storage import LOG_NAME, RunStore
from pybench.validity import MAX_FAILURE_RATIO

CONFIG_FILE = "inference-perf-config.yaml"
MANIFESTS_FILE = "manifests.yaml"

if TYPE_CHECKING:
    from pybench.gke_runs import Finished


@dataclass
class ClusterTarget:
    """Where cluster runs happen: flags, then environment, then bootstrap outputs (see cluster_target)."""

    namespace: str
    bucket: str | None
    service_account: str | None = None
    project: str | None = None
    region: str | None = None
    cluster: str | None = None
    results_dir: Path = Path("results")
    poll_s: float = 2.0
    schedule_timeout_s: float = jobwatch.SCHEDULE_TIMEOUT_S

    def need(self, *names: str) -> None:
        what = {"bucket": "a results bucket (BUCKET)", "service_account": "a Kubernetes service account (KSA)"}
        missing = [what[n] for n in names if not getattr(self, n)]
        if missing:
            raise SettingsError(
                f"The cluster run needs {' and '.join(missing)}; run `pybench bootstrap`, set the variables or pass "
                "the flags (`pybench config` shows every setting and where it comes from)."
            )

    def store(self) -> RunStore:
        self.need("bucket")
        return RunStore(str(self.bucket), project=self.project)

    def connect(self) -> Any:
        return cluster.connect(self.project, self.region, self.cluster)


def cluster_target(namespace: str | None = None, bucket: str | None = None, service_account: str | None = None,
                   project: str | None = None, region: str | None = None, cluster_name: str | None = None,
                   results_dir: str | None = None) -> ClusterTarget:
    """Flags (None when not given) -> environment -> bootstrap outputs -> defaults, as `pybench config` shows."""
    from pybench import settings

    flags = {"namespace": namespace, "bucket": bucket, "ksa": service_account, "project_id": project,
             "region": region, "cluster": cluster_name, "results_dir": results_dir}
    value = {name: resolved.value for name, resolved in settings.resolve_all(flags).items()}
    return ClusterTarget(
        namespace=value["namespace"], bucket=value["bucket"], service_account=value["ksa"],
        project=value["project_id"], region=value["region"], cluster=value["cluster"],
        results_dir=Path(value["results_dir"]),
        poll_s=float(os.environ.get("PYBENCH_POLL_S", "2")),
        schedule_timeout_s=float(os.environ.get("PYBENCH_SCHEDULE_TIMEOUT_S") or jobwatch.SCHEDULE_TIMEOUT_S),
    )


@dataclass
class GkeBench:
    target: ClusterTarget
    scenario: str = "demo"
    accelerator: str = "nvidia-l4"
    model: str | None = None
    endpoint: str | None = None
    tokenizer: str | None = None
    run_id: str | None = None
    overrides: list[str] = field(default_factory=list)
    image: str | None = None
    cpu: int = 4
    memory: str = "8Gi"
    hf_token_secret: str | None = None
    max_failure_ratio: float = MAX_FAILURE_RATIO


@dataclass
class Prepared:
    run_id: str
    config: dict[str, Any]
    spec: JobSpec
    docs: list[dict[str, Any]]
    record: RunRecord

    @property
    def manifests(self) -> str:
        return dump_manifests(self.docs)


def prepare(bench: GkeBench) -> Prepared:
    """Render the config and manifests of a run; no network. Raises on any bad input."""
    target = bench.target
    get_accelerator(bench.accelerator)
    if not bench.endpoint:
        raise SettingsError(
            "No endpoint for the cluster run: pass --endpoint or set ENDPOINT to the model server's URL inside the "
            "cluster, e.g. http://vllm.NAMESPACE.svc.cluster.local:8000 (`pybench serve` renders an example server)."
        )
    if bench.tokenizer and Path(bench.tokenizer).exists():
        raise SettingsError(f"--tokenizer {bench.tokenizer} is a local folder, which the Job cannot read; "
                            "give a Hugging Face model id.")
    target.need("bucket", "service_account")
    scenario = load_scenario(bench.scenario)
    run_id = check_run_id(bench.run_id) if bench.run_id else new_run_id(scenario.name, bench.accelerator)
    request = RenderRequest(
        scenario=scenario, endpoint=bench.endpoint, accelerator=bench.accelerator, run_id=run_id,
        storage=Storage(local_path=REPORTS_PATH, gcs_bucket=target.bucket, gcs_path=f"runs/{run_id}"),
        model=bench.model, tokenizer=bench.tokenizer, num_workers=bench.cpu, overrides=bench.overrides,
    )
    config = render_config(request)
    spec = JobSpec(
        run_id=run_id, namespace=target.namespace, service_account=str(target.service_account),
        accelerator=bench.accelerator, scenario=scenario.name, model=bench.model, cpu=bench.cpu, memory=bench.memory,
        hf_token_secret=bench.hf_token_secret, image=bench.image or DEFAULT_IMAGE,
    )
    docs = render_job_manifests(spec, config)
    record = RunRecord(
        run_id=run_id, scenario=scenario.name, target="gke", accelerator=bench.accelerator, model=bench.model,
        endpoint=bench.endpoint, tool_versions={**tool_versions(), "inference-perf image": spec.image},
        planned_stages=planned_stages(config),
        extra={"namespace": target.namespace, "job": spec.name, "bucket": target.bucket,
               "reports": f"gs://{target.bucket}/runs/{run_id}/", "image": spec.image, "cpu": spec.cpu,
               "memory": spec.memory, "num_workers": config["load"].get("num_workers"),
               "active_deadline_s": active_deadline_s(config), "planned_seconds": planned_duration_s(config),
               "project": target.project, "cluster": target.cluster, "region": target.region,
               "scenario_file": str(scenario.path), "max_failure_ratio": bench.max_failure_ratio},
    )
    return Prepared(run_id, config, spec, docs, record)


def render_to(prepared: Prepared, directory: Path) -> list[Path]:
    """Write the run's manifests for GitOps: DIR/<run-id>/{configmap,job}.yaml."""
    folder = directory / prepared.run_id
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in prepared.docs:
        path = folder / f"{doc['kind'].lower()}.yaml"
        path.write_text(dump_manifests([doc]))
        paths.append(path)
    return paths


def preflight(target: ClusterTarget, prepared: Prepared, endpoint: str, secret: str | None) -> tuple[Any, RunStore]:
    """Every check that can fail, each failure one line; returns the API client and the run store."""
    problems: list[str] = []
    api = None
    try:
        api = target.connect()
        cluster.check_reachable(api)
    except cluster.ClusterUnreachable as e:
        problems.append(str(e))
        api = None
    if api is not None:
        service = cluster.service_of(endpoint, target.namespace)
        secret_name = secret.partition(":")[0] if secret else None
        problems += cluster.preflight_problems(api, target.namespace, str(target.service_account), service,
                                               secret_name)
    store = None
    try:
        store = target.store()
        store.check_bucket()
        if store.run_exists(prepared.run_id):
            problems.append(str(RunExists(f"Run '{prepared.run_id}' already exists in {store.url()}; "
                                          "choose another --run-id.")))
    except StorageError as e:
        problems.append(str(e))
    if problems or api is None or store is None:
        raise PreflightError(problems)
    return api, store


def run_gke(bench: GkeBench, console: Console) -> "Finished | None":
    """Launch, follow and collect one run; None when the user stopped following (the Job keeps running)."""
    from pybench.gke_runs import finish

    prepared = prepare(bench)
    target = bench.target
    run_dir = (target.results_dir / prepared.run_id).resolve()
    if run_dir.exists():
        raise RunExists(f"Run '{prepared.run_id}' already exists in {run_dir.parent}; choose another --run-id.")
    api, store = preflight(target, prepared, str(bench.endpoint), bench.hf_token_secret)

    run_dir.mkdir(parents=True)
    (run_dir / CONFIG_FILE).write_text(dump_yaml(prepared.config))
    (run_dir / MANIFESTS_FILE).write_text(prepared.manifests)
    record = prepared.record
    record.started_at = now_iso()
    write_record(run_dir, record)
    store.put_record(prepared.run_id, asdict(record))
    try:
        cluster.create_run_objects(api, prepared.docs[0], prepared.docs[1])
    except cluster.ClusterUnreachable as e:
        record.status, record.reasons, record.ended_at = "failed", [str(e)], now_iso()
        write_record(run_dir, record)
        store.put_record(prepared.run_id, asdict(record))
        raise
    console.print(f"Started Job {prepared.spec.name} in namespace {target.namespace}; reports go to "
                  f"{store.url(prepared.run_id)}")
    view = follow_run(api, target, prepared.run_id, run_dir, record.planned_stages,
                      float(record.extra["planned_seconds"]), console)
    if view is None:
        return None
    return finish(api, target, store, prepared.run_id, run_dir, view, console)


def follow_run(api: Any, target: ClusterTarget, run_id: str, run_dir: Path, stages: int, seconds: float,
               console: Console) -> jobwatch.JobView | None:
    """Live progress until the Job is over; None on Ctrl-C, after telling how to come back."""
    progress = jobwatch.JobProgress(stages, seconds)
    try:
        with LiveProgress(progress, console) as live:
            return jobwatch.follow(api, target.namespace, run_id, run_dir / LOG_NAME, live, poll_s=target.poll_s,
                                   schedule_timeout_s=target.schedule_timeout_s)
    except KeyboardInterrupt:
        console.print(f"Stopped following; the Job keeps running in the cluster. Come back with:\n"
                      f"  pybench collect {run_id}")
        return None
