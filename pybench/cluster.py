"""pybench's objects on the cluster, through the kubernetes client (kubeconfig loaded only when needed)."""

from __future__ import annotations

import os
from typing import Any

from pybench.errors import PybenchError

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
