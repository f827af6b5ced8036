"""A small Kubernetes API server for tests, driven through the REAL kubernetes client (a kubeconfig pointing at
http://127.0.0.1:PORT): the paths pybench's cluster runs, `pybench destroy`, `pybench serve --apply` and
`pybench profiles manifest --apply` use.

One state model: objects in memory under (plural, namespace, name), with create/read/list (label and field
selectors)/merge patch/server-side apply/delete for any namespaced kind, plus /version, discovery for the dynamic
client, and namespaces (cluster.py). Two kinds come alive: a Job runs the cluster's PodScript as its pod, with logs
that can be followed (jobs.py); a Deployment turns ready after some reads of it, and its pod shows how far it got
(deployments.py)."""

from .cluster import FakeCluster, write_kubeconfig
from .jobs import PodScript

__all__ = ["FakeCluster", "PodScript", "write_kubeconfig"]
