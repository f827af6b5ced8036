"""Apply a generated manifest set with the kubernetes client and follow its Deployments until they are ready.

Objects are applied server-side (like `kubectl apply --server-side`) through the dynamic client, so re-applying
updates them and custom resources such as PodMonitoring work too. Every kind is looked up before anything is applied,
so a kind the cluster does not serve stops the apply before it starts.
"""

import json
import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from pybench.errors import DeployError
from pybench.quickstart.data import ManifestSet
from pybench.quickstart.manifests import documents

POLL_S = 3.0
DEFAULT_TIMEOUT_S = 1800.0  # model servers download their weights before they turn ready
FIELD_MANAGER = "pybench"
FATAL_WAITING = {"ImagePullBackOff", "CrashLoopBackOff", "CreateContainerConfigError", "InvalidImageName"}


def kube_client(context: str | None = None) -> Any:
    """An ApiClient from the kubeconfig (KUBECONFIG or ~/.kube/config), or the in-cluster service account."""
    from kubernetes import config

    try:
        # KUBECONFIG is read now: the kubernetes package reads it once, at import
        return config.new_client_from_config(config_file=os.environ.get("KUBECONFIG") or None, context=context)
    except (config.ConfigException, FileNotFoundError, TypeError) as kube_error:
        try:
            config.load_incluster_config()
        except config.ConfigException:
            raise DeployError(
                f"No Kubernetes credentials ({kube_error}). Run "
                "`gcloud container clusters get-credentials CLUSTER --location LOCATION` first."
            ) from None
        from kubernetes import client

        return client.ApiClient()


def _api_message(e: Any) -> str:
    try:
        return json.loads(e.body).get("message") or str(e.reason)
    except (TypeError, ValueError, AttributeError):
        return str(getattr(e, "reason", e))


def _unreachable(api: Any, e: Exception) -> DeployError:
    return DeployError(f"Cannot reach the Kubernetes API at {api.configuration.host}: {e}")


def apply_documents(api: Any, docs: list[dict[str, Any]], namespace: str | None = None) -> list[str]:
    """Apply every object; returns one line per object such as 'deployment.apps/vllm applied in bench'."""
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError
    from urllib3.exceptions import HTTPError

    try:
        dyn = DynamicClient(api)
        resources = []
        for doc in docs:
            try:
                resources.append(dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"]))
            except ResourceNotFoundError:
                raise DeployError(
                    f"The cluster does not serve {doc['kind']} ({doc['apiVersion']}); nothing was applied. "
                    "Install what provides it (for PodMonitoring: Google Cloud Managed Service for Prometheus) "
                    "or apply the other files yourself."
                ) from None
    except HTTPError as e:
        raise _unreachable(api, e) from None
    except DynamicApiError as e:
        raise DeployError(f"Kubernetes API discovery failed: {e.status} {_api_message(e)}") from None

    applied = []
    for doc, res in zip(docs, resources, strict=True):
        meta = doc.setdefault("metadata", {})
        ns = None
        if res.namespaced:
            ns = meta.get("namespace") or namespace or "default"
            meta["namespace"] = ns
        what = f"{doc['kind']} {meta.get('name')}"
        try:
            dyn.server_side_apply(res, body=doc, namespace=ns, field_manager=FIELD_MANAGER, force_conflicts=True)
        except DynamicApiError as e:
            message = _api_message(e)
            hint = f" Create it with `kubectl create namespace {ns}`." if e.status == 404 and "namespace" in message \
                else ""
            raise DeployError(f"Kubernetes refused {what}: {e.status} {message}.{hint}") from None
        except HTTPError as e:
            raise _unreachable(api, e) from None
        group = res.group
        applied.append(f"{res.kind.lower()}{'.' + group if group else ''}/{meta.get('name')} applied"
                       + (f" in {ns}" if ns else ""))
    return applied


@dataclass
class RolloutStatus:
    name: str
    namespace: str
    desired: int = 1
    ready: int = 0
    pods: list[str] = field(default_factory=list)  # one short line per pod, e.g. "vllm-abc: Pending (Unschedulable)"
    elapsed_s: float = 0.0
    done: bool = False


def _pod_line(pod: Any) -> tuple[str, str | None]:
    """A short description of a pod, and a reason to give up when its state will not fix itself."""
    name, status = pod.metadata.name, pod.status
    for cs in status.container_statuses or []:
        waiting = cs.state.waiting if cs.state else None
        if waiting and waiting.reason:
            last = cs.last_state.terminated if cs.last_state else None
            after = f" after {last.reason}" if last and last.reason else ""
            line = f"{name}: {waiting.reason}{after}"
            if waiting.reason in FATAL_WAITING:
                return line, f"{line}: {waiting.message or ''}".rstrip(": ")
            return line, None
        if cs.state and cs.state.running and not cs.ready:
            return f"{name}: running, not ready yet (loading the model?)", None
    for cond in status.conditions or []:
        if cond.type == "PodScheduled" and cond.status == "False":
            return f"{name}: Pending, {cond.reason}: {cond.message}", None
    return f"{name}: {status.phase}", None


def rollout_status(api: Any, namespace: str, name: str) -> tuple[RolloutStatus, str | None]:
    """The Deployment's readiness, its pods' states, and a reason to give up if there is one."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    try:
        dep = apps.read_namespaced_deployment(name, namespace)
        selector = ",".join(f"{k}={v}" for k, v in (dep.spec.selector.match_labels or {}).items())
        pods = core.list_namespaced_pod(namespace, label_selector=selector).items if selector else []
    except ApiException as e:
        raise DeployError(f"Cannot read Deployment {namespace}/{name}: {e.status} {_api_message(e)}") from None
    st = dep.status
    desired = dep.spec.replicas if dep.spec.replicas is not None else 1
    ready = st.ready_replicas or 0
    done = (st.observed_generation or 0) >= (dep.metadata.generation or 0) and (st.updated_replicas or 0) >= desired \
        and (st.available_replicas or 0) >= desired
    status = RolloutStatus(name=name, namespace=namespace, desired=desired, ready=ready, done=done)
    fatal = None
    for cond in st.conditions or []:
        stuck = (cond.type == "Progressing" and cond.status == "False") or \
            (cond.type == "ReplicaFailure" and cond.status == "True")
        if stuck:
            fatal = f"{cond.reason}: {cond.message}"
    for pod in pods:
        line, pod_fatal = _pod_line(pod)
        status.pods.append(line)
        fatal = fatal or pod_fatal
    return status, fatal


def wait_for_deployments(
    api: Any,
    deployments: list[tuple[str, str]],
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_update: Callable[[RolloutStatus], None] | None = None,
    poll_s: float | None = None,
) -> None:
    """Poll each (namespace, name) Deployment until it is ready; raise DeployError on a fatal state or timeout."""
    from urllib3.exceptions import HTTPError

    start = time.monotonic()
    poll = POLL_S if poll_s is None else poll_s
    for namespace, name in deployments:
        while True:
            try:
                status, fatal = rollout_status(api, namespace, name)
            except HTTPError as e:
                raise _unreachable(api, e) from None
            status.elapsed_s = time.monotonic() - start
            if on_update:
                on_update(status)
            if status.done:
                break
            look = f"See `kubectl -n {namespace} describe deployment {name}` and its pods' events."
            if fatal:
                raise DeployError(f"Deployment {namespace}/{name} cannot become ready: {fatal}. {look}")
            if status.elapsed_s > timeout_s:
                state = "; ".join(status.pods) or "no pods"
                raise DeployError(
                    f"Deployment {namespace}/{name} is not ready after {timeout_s:.0f} s "
                    f"({status.ready}/{status.desired} ready; {state}). {look}"
                )
            time.sleep(poll)


def deployments_in(docs: list[dict[str, Any]], namespace: str | None = None) -> list[tuple[str, str]]:
    return [
        ((d.get("metadata") or {}).get("namespace") or namespace or "default", d["metadata"]["name"])
        for d in docs
        if d.get("kind") == "Deployment"
    ]


def apply_and_wait(ms: ManifestSet, namespace: str | None, context: str | None, timeout_s: float,
                   on_applied: Callable[[str], None],
                   follow: Callable[[], AbstractContextManager[Callable[[RolloutStatus], None]]]) -> bool:
    """Apply the set's objects to the kubeconfig context (server-side), telling on_applied about each, then wait
    until its Deployments are ready, shown by the live view follow() opens. True when they are ready; False when the
    user stopped following (Ctrl-C): the Deployments keep rolling out."""
    api = kube_client(context)
    docs = documents(ms)
    for line in apply_documents(api, docs, namespace):
        on_applied(line)
    try:
        with follow() as on_update:
            wait_for_deployments(api, deployments_in(docs, namespace), timeout_s, on_update)
    except KeyboardInterrupt:
        return False
    return True
