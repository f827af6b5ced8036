"""What the cluster says about itself: /version, and the discovery documents (/api, /apis, /api/v1,
/apis/<group>/<version>) the dynamic client reads before a server-side apply."""

from datetime import UTC, datetime
from typing import Any

RESOURCES = {  # group version -> (plural, kind, namespaced)
    "v1": [("configmaps", "ConfigMap", True), ("events", "Event", True), ("namespaces", "Namespace", False),
           ("pods", "Pod", True), ("secrets", "Secret", True), ("serviceaccounts", "ServiceAccount", True),
           ("services", "Service", True)],
    "apps/v1": [("deployments", "Deployment", True), ("deployments/status", "Deployment", True)],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    "batch/v1": [("jobs", "Job", True)],
    "discovery.k8s.io/v1": [("endpointslices", "EndpointSlice", True)],
    "monitoring.googleapis.com/v1": [("podmonitorings", "PodMonitoring", True)],
    "networking.k8s.io/v1": [("networkpolicies", "NetworkPolicy", True)],
}
KINDS = {plural: kind for resources in RESOURCES.values() for plural, kind, _ in resources}


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version() -> dict[str, str]:
    return {"major": "1", "minor": "33", "gitVersion": "v1.33.5-gke.1", "gitCommit": "abc", "gitTreeState": "clean",
            "buildDate": now(), "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"}


def discovery(path: str, group_versions: list[str]) -> dict[str, Any] | None:
    """The discovery document at path, or None when path is not one (or names a group version not served)."""
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"]}
    if path == "/apis":
        groups = []
        for gv in group_versions:
            if "/" in gv:
                name, ver = gv.split("/")
                entry = {"groupVersion": gv, "version": ver}
                groups.append({"name": name, "versions": [entry], "preferredVersion": entry})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    gv = path.removeprefix("/apis/").removeprefix("/api/")
    if gv not in group_versions:
        return None
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
            "resources": [{"name": plural, "singularName": plural.rstrip("s"), "namespaced": namespaced, "kind": kind,
                           "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                          for plural, kind, namespaced in RESOURCES[gv]]}
