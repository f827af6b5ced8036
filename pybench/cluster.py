"""pybench's objects on the cluster, through the kubernetes client (kubeconfig loaded only when needed)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from pybench.errors import PybenchError
from pybench.render.manifests import run_selector

MANAGED_BY = "app.kubernetes.io/managed-by=pybench"


class ClusterUnreachable(PybenchError):
    """The Kubernetes API server could not be reached or refused the request."""


def _api_client(api_client: Any = None) -> Any:
    if api_client is not None:
        return api_client
    from kubernetes import client, config  # type: ignore[import-untyped]
    from kubernetes.config.config_exception import ConfigException  # type: ignore[import-untyped]

    try:
        # KUBECONFIG is read now, not when the kubernetes package was imported.
        config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
    except (ConfigException, OSError, TypeError) as kube_error:
        try:
            config.load_incluster_config()
        except ConfigException:
            raise ClusterUnreachable(f"No Kubernetes credentials: {kube_error}") from None
    return client.ApiClient()


def delete_pybench_objects(namespace: str, api_client: Any = None) -> int:
    """Delete the Jobs (with their pods) and ConfigMaps labelled app.kubernetes.io/managed-by=pybench in namespace.

    Returns how many objects were deleted; a namespace that does not exist holds none. Raises ClusterUnreachable when
    the API server cannot be reached or answers with an error.
    """
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]
    from urllib3.exceptions import HTTPError  # type: ignore[import-untyped]

    api = _api_client(api_client)
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)

    def delete(call: Any, name: str, **kwargs: Any) -> int:
        try:
            call(name, namespace, **kwargs)
        except ApiException as e:
            if e.status == 404:  # already gone
                return 0
            raise
        return 1

    deleted = 0
    try:
        for job in batch.list_namespaced_job(namespace, label_selector=MANAGED_BY).items:
            deleted += delete(batch.delete_namespaced_job, job.metadata.name, propagation_policy="Background")
        for cm in core.list_namespaced_config_map(namespace, label_selector=MANAGED_BY).items:
            deleted += delete(core.delete_namespaced_config_map, cm.metadata.name)
    except ApiException as e:
        if e.status == 404:  # no such namespace: nothing of pybench's is left in it
            return deleted
        raise ClusterUnreachable(f"Kubernetes API error {e.status} {e.reason} in namespace {namespace}.") from None
    except (HTTPError, OSError) as e:
        raise ClusterUnreachable(f"Cannot reach the Kubernetes API server: {e}") from None
    return deleted


# ---- connection and preflight ---------------------------------------------------------------------------------

PREFLIGHT_TIMEOUT_S = 15


def gke_context_name(project: str | None, location: str | None, cluster: str | None) -> str | None:
    """The kubeconfig context `gcloud container clusters get-credentials` creates."""
    return f"gke_{project}_{location}_{cluster}" if project and location and cluster else None


def connect(project: str | None = None, location: str | None = None, cluster: str | None = None) -> Any:
    """An ApiClient for the configured cluster: its gcloud context when the kubeconfig has one, else the current
    context (refusing a current context that belongs to another GKE cluster)."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException  # type: ignore[import-untyped]

    wanted = gke_context_name(project, location, cluster)
    config_file = os.environ.get("KUBECONFIG")  # read now: the kubernetes package reads it once, at import
    try:
        contexts, current = config.list_kube_config_contexts(config_file=config_file)
    except (ConfigException, OSError, TypeError) as e:
        try:
            config.load_incluster_config()
        except ConfigException:
            command = _get_credentials(cluster, location, project)
            raise ClusterUnreachable(f"No Kubernetes credentials ({e}); run `{command}`.") from None
        from kubernetes import client

        return client.ApiClient()
    names = {c["name"] for c in contexts or []}
    context = None
    if wanted and wanted in names:
        context = wanted
    elif wanted and current and current["name"].startswith("gke_") and current["name"] != wanted:
        raise ClusterUnreachable(
            f"The kubeconfig's current context is {current['name']}, not cluster {cluster}; "
            f"run `{_get_credentials(cluster, location, project)}`."
        )
    try:
        return config.new_client_from_config(config_file=config_file, context=context)
    except (ConfigException, OSError, TypeError) as e:
        raise ClusterUnreachable(f"Cannot use the kubeconfig: {e}.") from None


def _get_credentials(cluster: str | None, location: str | None, project: str | None) -> str:
    command = f"gcloud container clusters get-credentials {cluster or 'CLUSTER'} --location {location or 'LOCATION'}"
    return command + (f" --project {project}" if project else "")


def check_reachable(api: Any) -> str:
    """The API server's version, or ClusterUnreachable naming its address."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]
    from urllib3.exceptions import HTTPError  # type: ignore[import-untyped]

    try:
        return client.VersionApi(api).get_code(_request_timeout=PREFLIGHT_TIMEOUT_S).git_version
    except (ApiException, HTTPError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise ClusterUnreachable(f"Cannot reach the Kubernetes API at {api.configuration.host} ({reason}).") from None


@dataclass(frozen=True)
class ServiceRef:
    """An in-cluster endpoint's Service, from its URL."""

    name: str
    namespace: str
    port: int


def service_of(endpoint: str, default_namespace: str) -> ServiceRef | None:
    """http://NAME.NS.svc.cluster.local:PORT (or NAME.NS.svc, or a bare NAME) -> its Service; None for other hosts."""
    url = urlparse(endpoint)
    host = (url.hostname or "").lower()
    port = url.port or (443 if url.scheme == "https" else 80)
    parts = host.split(".")
    if host.endswith(".svc.cluster.local") and len(parts) == 5 or host.endswith(".svc") and len(parts) == 3:
        return ServiceRef(parts[0], parts[1], port)
    if host and "." not in host and host != "localhost":
        return ServiceRef(host, default_namespace, port)
    return None


def _problem(e: Any, what: str, missing: str) -> str:
    if e.status == 404:
        return missing
    if e.status in (401, 403):
        return f"Not allowed to read {what}: {_message(e)}"
    return f"Kubernetes API error {e.status} reading {what}: {_message(e)}"


def _message(e: Any) -> str:
    try:
        return json.loads(e.body).get("message") or str(e.reason)
    except (TypeError, ValueError, AttributeError):
        return str(getattr(e, "reason", e))


def preflight_problems(
    api: Any, namespace: str, service_account: str, service: ServiceRef | None, secret: str | None
) -> list[str]:
    """Every failed check as one line: namespace, service account, the endpoint's Service and its ready endpoints,
    the Hugging Face token Secret. The API server must be reachable (check_reachable) first."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]

    core = client.CoreV1Api(api)
    problems = []
    timeout = {"_request_timeout": PREFLIGHT_TIMEOUT_S}
    try:
        core.read_namespace(namespace, **timeout)
    except ApiException as e:
        return [_problem(e, f"namespace '{namespace}'",
                         f"Namespace '{namespace}' does not exist; `pybench bootstrap` creates it (or set NAMESPACE).")]
    try:
        core.read_namespaced_service_account(service_account, namespace, **timeout)
    except ApiException as e:
        problems.append(_problem(e, f"service accounts in '{namespace}'",
                                 f"Service account '{service_account}' does not exist in namespace '{namespace}'; "
                                 "`pybench bootstrap` creates it (or set KSA)."))
    if secret:
        try:
            core.read_namespaced_secret(secret, namespace, **timeout)
        except ApiException as e:
            problems.append(_problem(e, f"secrets in '{namespace}'",
                                     f"Secret '{secret}' does not exist in namespace '{namespace}'; create it: "
                                     f"`kubectl -n {namespace} create secret generic {secret} "
                                     "--from-literal=token=hf_...`."))
    if service:
        problems += _service_problems(api, service)
    return problems


def _service_problems(api: Any, ref: ServiceRef) -> list[str]:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]

    where = f"{ref.namespace}/{ref.name}"
    timeout = {"_request_timeout": PREFLIGHT_TIMEOUT_S}
    try:
        svc = client.CoreV1Api(api).read_namespaced_service(ref.name, ref.namespace, **timeout)
        slices = client.DiscoveryV1Api(api).list_namespaced_endpoint_slice(
            ref.namespace, label_selector=f"kubernetes.io/service-name={ref.name}", **timeout)
    except ApiException as e:
        return [_problem(e, f"Service {where}",
                         f"Service '{ref.name}' does not exist in namespace '{ref.namespace}' (the endpoint's host); "
                         "deploy the model server first (`pybench serve` renders an example).")]
    ports = [p.port for p in svc.spec.ports or []]
    if ref.port not in ports:
        return [(f"Service {where} has no port {ref.port} (it has: {', '.join(map(str, ports)) or 'none'}); "
                "fix the endpoint's port.")]
    ready = sum(1 for s in slices.items for ep in s.endpoints or []
                if ep.conditions is None or ep.conditions.ready is not False)
    if not ready:
        return [(f"Service {where} has no ready endpoints: the model server is not ready "
                f"(`kubectl -n {ref.namespace} get pods`).")]
    return []


# ---- one run's objects ----------------------------------------------------------------------------------------

def create_run_objects(api: Any, configmap: dict[str, Any], job: dict[str, Any]) -> None:
    """Create the ConfigMap, then the Job, then make the Job own the ConfigMap so Kubernetes deletes both together
    (ttlSecondsAfterFinished). A failed Job creation removes the ConfigMap again."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]
    from urllib3.exceptions import HTTPError  # type: ignore[import-untyped]

    core, batch = client.CoreV1Api(api), client.BatchV1Api(api)
    namespace = job["metadata"]["namespace"]
    try:
        core.create_namespaced_config_map(namespace, configmap)
        try:
            created = batch.create_namespaced_job(namespace, job)
        except (ApiException, HTTPError):
            _ignore_missing(core.delete_namespaced_config_map, configmap["metadata"]["name"], namespace)
            raise
        owner = {"apiVersion": "batch/v1", "kind": "Job", "name": created.metadata.name, "uid": created.metadata.uid}
        core.patch_namespaced_config_map(configmap["metadata"]["name"], namespace,
                                         {"metadata": {"ownerReferences": [owner]}},
                                         _content_type="application/merge-patch+json")
    except ApiException as e:
        raise ClusterUnreachable(f"Kubernetes refused to create the run's objects: {e.status} {_message(e)}") from None
    except (HTTPError, OSError) as e:
        raise ClusterUnreachable(f"Cannot reach the Kubernetes API server: {e}") from None


def _ignore_missing(call: Any, *args: Any, **kwargs: Any) -> bool:
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]

    try:
        call(*args, **kwargs)
    except ApiException as e:
        if e.status == 404:
            return False
        raise
    return True


def find_run_job(api: Any, namespace: str, run_id: str) -> Any | None:
    """The run's Job, or None when it does not exist (never created, cancelled, or deleted after its ttl)."""
    from kubernetes import client

    jobs = client.BatchV1Api(api).list_namespaced_job(namespace, label_selector=run_selector(run_id)).items
    return jobs[0] if jobs else None


def delete_run_objects(api: Any, namespace: str, run_id: str) -> list[str]:
    """Delete the run's Job (its pods follow: propagationPolicy Background) and ConfigMap; returns what was deleted."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException  # type: ignore[import-untyped]
    from urllib3.exceptions import HTTPError  # type: ignore[import-untyped]

    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    selector = run_selector(run_id)
    deleted = []
    try:
        for job in batch.list_namespaced_job(namespace, label_selector=selector).items:
            if _ignore_missing(batch.delete_namespaced_job, job.metadata.name, namespace,
                               propagation_policy="Background"):
                deleted.append(f"job/{job.metadata.name}")
        for cm in core.list_namespaced_config_map(namespace, label_selector=selector).items:
            if _ignore_missing(core.delete_namespaced_config_map, cm.metadata.name, namespace):
                deleted.append(f"configmap/{cm.metadata.name}")
    except ApiException as e:
        raise ClusterUnreachable(f"Kubernetes API error {e.status} in namespace {namespace}: {_message(e)}") from None
    except (HTTPError, OSError) as e:
        raise ClusterUnreachable(f"Cannot reach the Kubernetes API server: {e}") from None
    return deleted
