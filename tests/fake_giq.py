"""A local stand-in for GKE Inference Quickstart (gkerecommender.googleapis.com v1) over REST.

It answers the paths, methods and JSON field names that google-cloud-gkerecommender's REST transport uses
(transports/rest_base.py): GET /v1/models:fetch, /v1/modelServers:fetch, /v1/modelServerVersions:fetch and
POST /v1/profiles:fetch, /v1/benchmarkingData:fetch, /v1/optimizedManifest:generate. Responses are proto3 JSON
(camelCase, int64 as strings) as the real API sends them; errors are google.rpc.Status bodies.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from fake_http import JsonHttpServer, Request

PRICES = {"spot": 0.35, "on-demand": 1.0, "1-year-cud": 0.63, "3-years-cud": 0.45}  # relative to on-demand


def _amount(usd: float) -> dict[str, Any]:
    units = int(usd)
    return {"units": str(units), "nanos": round((usd - units) * 1e9)}


def _stats(base_ttft: int, base_ntpot: int, peak_tps: int, usd_per_m_out: float) -> list[dict[str, Any]]:
    """A published latency-throughput curve: rising load, rising latency, throughput that levels off."""
    points = []
    for qps, load in [(1.0, 0.1), (2.0, 0.2), (4.0, 0.45), (8.0, 0.8), (12.0, 0.95)]:
        tps = int(peak_tps * load)
        points.append(
            {
                "queriesPerSecond": qps,
                "outputTokensPerSecond": tps,
                "ttftMilliseconds": int(base_ttft * (1 + 3 * load * load)),
                "ntpotMilliseconds": int(base_ntpot * (1 + 2 * load)),
                "cost": [
                    {
                        "pricingModel": pricing,
                        "costPerMillionOutputTokens": _amount(usd_per_m_out * factor / load),
                        "costPerMillionInputTokens": _amount(usd_per_m_out * factor / load / 4),
                        "outputInputCostRatio": 4.0,
                    }
                    for pricing, factor in PRICES.items()
                ],
            }
        )
    return points


def _profile(model: str, server: str, version: str, accel: str, instance: str, count: int, **curve) -> dict:
    return {
        "modelServerInfo": {"model": model, "modelServer": server, "modelServerVersion": version},
        "acceleratorType": accel,
        "instanceType": instance,
        "resourcesUsed": {"acceleratorCount": count},
        "performanceStats": _stats(**curve),
    }


LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
GEMMA_27B = "google/gemma-3-27b-it"

PROFILES = [
    _profile(LLAMA_8B, "vllm", "v0.8.5", "nvidia-l4", "g2-standard-24", 2, base_ttft=180, base_ntpot=40, peak_tps=1400,
             usd_per_m_out=0.9),
    _profile(LLAMA_8B, "vllm", "v0.8.5", "nvidia-h100-80gb", "a3-highgpu-1g", 1, base_ttft=60, base_ntpot=12,
             peak_tps=5200, usd_per_m_out=0.5),
    _profile(LLAMA_8B, "vllm", "v0.7.2", "nvidia-l4", "g2-standard-24", 2, base_ttft=210, base_ntpot=45, peak_tps=1200,
             usd_per_m_out=1.0),
    _profile(LLAMA_8B, "tgi", "3.2.3", "nvidia-l4", "g2-standard-24", 2, base_ttft=230, base_ntpot=48, peak_tps=1100,
             usd_per_m_out=1.1),
    _profile(GEMMA_27B, "vllm", "v0.8.5", "nvidia-h100-80gb", "a3-highgpu-1g", 1, base_ttft=120, base_ntpot=25,
             peak_tps=2600, usd_per_m_out=1.2),
    _profile(GEMMA_27B, "vllm", "v0.8.5", "nvidia-a100-80gb", "a2-ultragpu-1g", 1, base_ttft=190, base_ntpot=38,
             peak_tps=1500, usd_per_m_out=1.6),
]

MODELS = [LLAMA_8B, "meta-llama/Llama-3.3-70B-Instruct", GEMMA_27B, "google/gemma-3-4b-it", "Qwen/Qwen2.5-7B-Instruct",
          "mistralai/Mistral-7B-Instruct-v0.3"]

COMMENTS = "Benchmarked with inference-perf on a synthetic dataset (1024 input / 256 output tokens)."


def _deployment_name(model: str, server: str) -> str:
    return f"{server}-{model.split('/')[-1].lower().replace('.', '-')}-deployment"


def _deployment_yaml(model: str, server: str, accel: str, namespace: str, count: int) -> str:
    name = _deployment_name(model, server)
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    app: {server}-inference-server
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {server}-inference-server
  template:
    metadata:
      labels:
        app: {server}-inference-server
        ai.gke.io/model: {model.split('/')[-1]}
        ai.gke.io/inference-server: {server}
    spec:
      containers:
      - name: inference-server
        image: us-docker.pkg.dev/vertex-ai/vertex-vision-model-garden-dockers/pytorch-vllm-serve:20250430
        args: ["--model={model}", "--tensor-parallel-size={count}", "--port=8000"]
        env:
        - name: HUGGING_FACE_HUB_TOKEN
          valueFrom:
            secretKeyRef:
              name: hf-secret
              key: hf_api_token
        ports:
        - containerPort: 8000
        resources:
          requests:
            nvidia.com/gpu: "{count}"
          limits:
            nvidia.com/gpu: "{count}"
      nodeSelector:
        cloud.google.com/gke-accelerator: {accel}
"""


def _service_yaml(server: str, namespace: str) -> str:
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {server}-service
  namespace: {namespace}
spec:
  type: ClusterIP
  selector:
    app: {server}-inference-server
  ports:
  - name: http
    port: 8000
    targetPort: 8000
"""


def _podmonitoring_yaml(server: str, namespace: str) -> str:
    return f"""apiVersion: monitoring.googleapis.com/v1
kind: PodMonitoring
metadata:
  name: {server}-podmonitoring
  namespace: {namespace}
spec:
  selector:
    matchLabels:
      app: {server}-inference-server
  endpoints:
  - port: 8000
    path: /metrics
    interval: 15s
"""


def _hpa_yaml(server: str, deployment: str, namespace: str, target: int) -> str:
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {server}-hpa
  namespace: {namespace}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {deployment}
  minReplicas: 1
  maxReplicas: 4
  metrics:
  - type: Pods
    pods:
      metric:
        name: prometheus.googleapis.com|vllm:num_requests_waiting|gauge
      target:
        type: AverageValue
        averageValue: {target}
"""


class ApiError(Exception):
    def __init__(self, code: int, status: str, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.body = {"error": {"code": code, "message": message, "status": status, "details": details or []}}
        self.code = code


def service_disabled_error(project_number: str = "123456789012") -> ApiError:
    """What Google APIs answer when the API is not enabled in the caller's (quota) project."""
    return ApiError(
        403,
        "PERMISSION_DENIED",
        f"GKE Recommender API has not been used in project {project_number} before or it is disabled. Enable it by "
        f"visiting https://console.developers.google.com/apis/api/gkerecommender.googleapis.com/overview?project="
        f"{project_number} then retry.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"service": "gkerecommender.googleapis.com", "consumer": f"projects/{project_number}"},
            }
        ],
    )


def iam_denied_error() -> ApiError:
    return ApiError(
        403,
        "PERMISSION_DENIED",
        "Permission 'gkerecommender.profiles.fetch' denied on resource (or it may not exist).",
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED",
          "domain": "gkerecommender.googleapis.com", "metadata": {"permission": "gkerecommender.profiles.fetch"}}],
    )


@dataclass
class GiqData:
    models: list[str] = field(default_factory=lambda: list(MODELS))
    profiles: list[dict] = field(default_factory=lambda: json.loads(json.dumps(PROFILES)))
    page_size: int = 100
    error: ApiError | None = None  # answer every request with this error
    requests: list[tuple[str, str, dict]] = field(default_factory=list)  # (method, path, query or body)


def _meets(stat: dict, req: dict) -> bool:
    ttft, ntpot = req.get("targetTtftMilliseconds"), req.get("targetNtpotMilliseconds")
    return (ttft is None or stat["ttftMilliseconds"] <= ttft) and (ntpot is None or stat["ntpotMilliseconds"] <= ntpot)


def _latest(data: GiqData, model: str, server: str) -> str | None:
    versions = sorted({p["modelServerInfo"]["modelServerVersion"] for p in data.profiles
                       if p["modelServerInfo"]["model"] == model and p["modelServerInfo"]["modelServer"] == server})
    return versions[-1] if versions else None


def _select(data: GiqData, model: str | None, server: str | None, version: str | None) -> list[dict]:
    out = []
    for p in data.profiles:
        info = p["modelServerInfo"]
        if (model and info["model"] != model) or (server and info["modelServer"] != server):
            continue
        if version and info["modelServerVersion"] != version:
            continue
        out.append(p)
    return out


def _require_model(data: GiqData, model: str | None) -> str:
    if not model:
        raise ApiError(400, "INVALID_ARGUMENT", "model_server_info.model is required.")
    if model not in data.models:
        raise ApiError(400, "INVALID_ARGUMENT", f"Model {model} is not supported.")
    return model


def handle(data: GiqData, method: str, path: str, query: dict[str, str], body: dict) -> dict:
    if data.error:
        raise data.error
    if (method, path) == ("GET", "/v1/models:fetch"):
        start = int(query.get("pageToken") or 0)
        page = data.models[start:start + data.page_size]
        nxt = start + data.page_size
        return {"models": page, **({"nextPageToken": str(nxt)} if nxt < len(data.models) else {})}
    if (method, path) == ("GET", "/v1/modelServers:fetch"):
        model = _require_model(data, query.get("model"))
        return {"modelServers": sorted({p["modelServerInfo"]["modelServer"] for p in _select(data, model, None, None)})}
    if (method, path) == ("GET", "/v1/modelServerVersions:fetch"):
        model = _require_model(data, query.get("model"))
        profiles = _select(data, model, query.get("modelServer"), None)
        return {"modelServerVersions": sorted({p["modelServerInfo"]["modelServerVersion"] for p in profiles})}
    if (method, path) == ("POST", "/v1/profiles:fetch"):
        req = body.get("performanceRequirements", {})
        out = []
        for p in _select(data, body.get("model"), body.get("modelServer"), body.get("modelServerVersion")):
            stats = [s for s in p["performanceStats"] if _meets(s, req)]
            if stats:
                out.append({**p, "performanceStats": stats})
        stats = [s for p in out for s in p["performanceStats"]]
        rng = {}
        if stats:
            rng = {
                "throughputOutputRange": {"min": min(s["outputTokensPerSecond"] for s in stats),
                                          "max": max(s["outputTokensPerSecond"] for s in stats)},
                "ttftRange": {"min": min(s["ttftMilliseconds"] for s in stats),
                              "max": max(s["ttftMilliseconds"] for s in stats)},
                "ntpotRange": {"min": min(s["ntpotMilliseconds"] for s in stats),
                               "max": max(s["ntpotMilliseconds"] for s in stats)},
            }
        return {"profile": out, "performanceRange": rng, "comments": COMMENTS}
    if (method, path) == ("POST", "/v1/benchmarkingData:fetch"):
        info = body.get("modelServerInfo", {})
        model = _require_model(data, info.get("model"))
        server = info.get("modelServer")
        version = info.get("modelServerVersion") or _latest(data, model, server)
        pricing = body.get("pricingModel") or "spot"
        out = []
        for p in _select(data, model, server, version):
            if body.get("instanceType") and p["instanceType"] != body["instanceType"]:
                continue
            stats = [{**s, "cost": [c for c in s["cost"] if c["pricingModel"] == pricing]} for s in p["performanceStats"]]
            out.append({**p, "performanceStats": stats})
        return {"profile": out}
    if (method, path) == ("POST", "/v1/optimizedManifest:generate"):
        info = body.get("modelServerInfo", {})
        model = _require_model(data, info.get("model"))
        server, accel = str(info.get("modelServer")), str(body.get("acceleratorType"))
        matches = [p for p in _select(data, model, server, None) if p["acceleratorType"] == accel]
        if not matches:
            raise ApiError(400, "INVALID_ARGUMENT", f"No profile found for {model}, {server} on {accel}.")
        ns = body.get("kubernetesNamespace") or "default"
        count = matches[0]["resourcesUsed"]["acceleratorCount"]
        manifests = [
            {"kind": "Deployment", "apiVersion": "apps/v1", "content": _deployment_yaml(model, server, accel, ns, count)},
            {"kind": "Service", "apiVersion": "v1", "content": _service_yaml(server, ns)},
            {"kind": "PodMonitoring", "apiVersion": "monitoring.googleapis.com/v1",
             "content": _podmonitoring_yaml(server, ns)},
        ]
        if body.get("performanceRequirements"):
            manifests.append({"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
                              "content": _hpa_yaml(server, _deployment_name(model, server), ns, 5)})
        return {
            "kubernetesManifests": manifests,
            "comments": [
                "Create the hf-secret Secret with your Hugging Face token before applying the Deployment.",
                f"Make sure the cluster has a node pool with {accel} and enough quota.",
            ],
            "manifestVersion": "https://github.com/GoogleCloudPlatform/kubernetes-engine-samples (2025-05-01)",
        }
    raise ApiError(404, "NOT_FOUND", f"{method} {path} is not a GKE Inference Quickstart method.")


class FakeGiq(JsonHttpServer):
    """`with FakeGiq() as giq:` serves on 127.0.0.1 at giq.url until the block ends."""

    content_type = "application/json; charset=UTF-8"

    def __init__(self, data: GiqData | None = None):
        super().__init__()
        self.data = data or GiqData()

    def handle_json(self, request: Request) -> tuple[int, Any]:
        method, path, query, body = request.method, request.path, request.query, request.body
        self.data.requests.append((method, path, body if method == "POST" else query))
        try:
            return 200, handle(self.data, method, path, query, body)
        except ApiError as e:
            return e.code, e.body
