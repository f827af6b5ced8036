"""Strict validation of rendered manifests: Kubernetes kinds with kubernetes-validate, and Google Managed
Prometheus' PodMonitoring (which kubernetes-validate has no schema for) with a small schema of its own."""

import jsonschema
import kubernetes_validate

POD_MONITORING_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.googleapis.com/v1"}, "kind": {"const": "PodMonitoring"},
        "metadata": {"type": "object", "required": ["name", "namespace"]},
        "spec": {"type": "object", "additionalProperties": False, "required": ["selector", "endpoints"], "properties": {
            "selector": {"type": "object", "properties": {"matchLabels": {"type": "object"}}},
            "endpoints": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["port"], "properties": {
                    "port": {"type": ["string", "integer"]}, "path": {"type": "string"},
                    "interval": {"type": "string", "pattern": r"^\d+[smh]$"}}}}}},
    },
}


def validate_manifest(doc: dict, version: str) -> None:
    if doc["kind"] == "PodMonitoring":
        jsonschema.validate(doc, POD_MONITORING_SCHEMA)
    else:
        kubernetes_validate.validate(doc, version, strict=True)
