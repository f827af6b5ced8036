"""Deployments, as a rollout looks from outside: each read of a Deployment counts, and it reports its one replica
ready from the cluster's `ready_after_reads`-th read on, unless `pod_waiting` keeps its pod's container waiting with
that reason (CreateContainerConfigError). Its pod is derived from it whenever pods are listed: Unschedulable at first,
then Running (ready once the Deployment is)."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cluster import FakeCluster


def read_deployment(cluster: "FakeCluster", dep: dict) -> dict:
    """Count this read of dep and set its status from the count."""
    meta = dep["metadata"]
    with cluster.lock:
        key = (meta["namespace"], meta["name"])
        cluster.reads[key] = reads = cluster.reads.get(key, 0) + 1
    ready = 1 if reads >= cluster.ready_after_reads and not cluster.pod_waiting else 0
    dep["status"] = {"observedGeneration": meta.get("generation", 1), "replicas": 1, "updatedReplicas": 1,
                     "readyReplicas": ready, "availableReplicas": ready}
    return dep


def deployment_pods(cluster: "FakeCluster", namespace: str) -> list[dict]:
    pods = []
    for dep in cluster.items("deployments", namespace):
        reads = cluster.reads.get((namespace, dep["metadata"]["name"]), 0)
        pods.append(_pod(dep, reads >= cluster.ready_after_reads, reads, cluster.pod_waiting))
    return pods


def _pod(dep: dict, ready: bool, reads: int, waiting: str | None) -> dict:
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
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{dep['metadata']['name']}-7d9f-abcde", "namespace": dep["metadata"]["namespace"],
                         "labels": dep["spec"]["selector"]["matchLabels"]},
            "spec": {"containers": [{"name": "inference-server"}]}, "status": status}
