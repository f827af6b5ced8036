"""Talking to a model server before and during a run: preflight (/v1/models) and progress (/metrics)."""

import json
import urllib.error
import urllib.request

from pybench.errors import EndpointError


def preflight(endpoint: str, model: str | None, timeout: float = 5.0) -> str:
    """Check that the endpoint answers and serves a model; return the model id the run will use."""
    url = endpoint.rstrip("/") + "/v1/models"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as e:
        raise EndpointError(f"{url} answered HTTP {e.code}; is {endpoint} an OpenAI-compatible server?") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise EndpointError(f"Cannot reach {endpoint} ({reason}); start the server or pass the right --endpoint.") from None
    except ValueError:
        raise EndpointError(f"{url} did not return JSON; is {endpoint} an OpenAI-compatible server?") from None
    served = [m.get("id") for m in body.get("data", []) if isinstance(m, dict) and m.get("id")]
    if not served:
        raise EndpointError(f"{endpoint} serves no model (GET /v1/models listed none).")
    if model and model not in served:
        raise EndpointError(f"{endpoint} does not serve '{model}'; it serves: {', '.join(served)}.")
    return model or served[0]


def completed_requests(endpoint: str, timeout: float = 1.0) -> int | None:
    """Requests the server has finished, from vLLM's vllm:request_success_total counter; None if unavailable."""
    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + "/metrics", timeout=timeout) as response:
            text = response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    total, found = 0.0, False
    for line in text.splitlines():
        if line.startswith("vllm:request_success_total"):
            try:
                total += float(line.rsplit(" ", 1)[1])
                found = True
            except (IndexError, ValueError):
                continue
    return int(total) if found else None
