"""GKE Inference Quickstart through google-cloud-gkerecommender, with errors a user can act on.

The client speaks REST. PYBENCH_GIQ_ENDPOINT points it elsewhere (a local stand-in, a regional endpoint); a plain
http:// endpoint gets anonymous credentials so that no Google token is ever sent over an unencrypted connection.
"""

import difflib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pybench.errors import ApiNotEnabled, NoProfile, QuickstartAccessDenied, QuickstartError, UnknownModel
from pybench.quickstart.data import (
    Manifest,
    ManifestSet,
    Profile,
    ProfileList,
    profile_from_message,
    ranges_from_message,
)

API = "gkerecommender.googleapis.com"
ENDPOINT_ENV = "PYBENCH_GIQ_ENDPOINT"
ENABLE_COMMAND = f"gcloud services enable {API}"
TIMEOUT_S = 60.0


def _requirements(ttft_ms: int | None, ntpot_ms: int | None) -> dict[str, int] | None:
    req = {}
    if ttft_ms is not None:
        req["target_ttft_milliseconds"] = ttft_ms
    if ntpot_ms is not None:
        req["target_ntpot_milliseconds"] = ntpot_ms
    return req or None


def _server_message(e: Any) -> str:
    """The API's own message, without the method and URL that the REST transport puts in front of it."""
    try:
        return str(e.response.json()["error"]["message"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return str(getattr(e, "message", e))


def _api_error(e: Any, what: str) -> QuickstartError:
    """Turn a google.api_core exception (HTTP or gRPC flavoured) into a named pybench error."""
    from google.api_core import exceptions as gexc

    message = _server_message(e)
    if isinstance(e, gexc.Forbidden):  # PermissionDenied is its gRPC-named subclass
        meta = e.metadata or {}
        if e.reason == "SERVICE_DISABLED" or "has not been used in project" in message:
            project = str(meta.get("consumer", "")).removeprefix("projects/")
            where = f" in project {project}" if project else ""
            command = f"{ENABLE_COMMAND} --project {project}" if project else ENABLE_COMMAND
            return ApiNotEnabled(
                f"The GKE Inference Quickstart API ({API}) is not enabled{where}. Enable it with `{command}` "
                "and retry in a minute."
            )
        return QuickstartAccessDenied(
            f"Permission denied by GKE Inference Quickstart ({API}) while trying to {what}: {message} "
            f"Check that the API is enabled (`{ENABLE_COMMAND}`) and that your account may use it."
        )
    if isinstance(e, gexc.Unauthorized):  # Unauthenticated is its gRPC-named subclass
        return QuickstartAccessDenied(
            f"GKE Inference Quickstart ({API}) rejected the credentials: {message} "
            "Run `gcloud auth application-default login`."
        )
    return QuickstartError(f"GKE Inference Quickstart failed to {what}: {getattr(e, 'code', '')} {message}")


class Giq:
    """The GKE Inference Quickstart calls pybench makes. Methods return plain records from pybench.quickstart.data."""

    def __init__(self, client: Any, endpoint: str = API):
        self._client = client
        self.endpoint = endpoint
        self._models: list[str] | None = None

    @classmethod
    def from_env(cls) -> "Giq":
        """A client for the real API, or for PYBENCH_GIQ_ENDPOINT when set."""
        from google.auth.exceptions import DefaultCredentialsError
        from google.cloud import gkerecommender_v1

        endpoint = os.environ.get(ENDPOINT_ENV, "").strip()
        options, credentials = None, None
        if endpoint:
            options = {"api_endpoint": endpoint}
            if endpoint.startswith("http://"):
                from google.auth.credentials import AnonymousCredentials

                credentials = AnonymousCredentials()
        try:
            client = gkerecommender_v1.GkeInferenceQuickstartClient(
                transport="rest", credentials=credentials, client_options=options
            )
        except DefaultCredentialsError:
            raise QuickstartAccessDenied(
                "No Google Cloud credentials found for GKE Inference Quickstart. "
                "Run `gcloud auth application-default login`."
            ) from None
        return cls(client, endpoint or API)

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        import requests
        from google.api_core import exceptions as gexc
        from google.auth import exceptions as auth_exc

        try:
            yield
        except gexc.GoogleAPICallError as e:
            raise _api_error(e, what) from None
        except gexc.RetryError as e:
            raise QuickstartError(f"GKE Inference Quickstart did not answer in time while trying to {what}: {e}") from None
        except auth_exc.RefreshError as e:
            raise QuickstartAccessDenied(
                f"Google Cloud credentials could not be refreshed ({e}). Run `gcloud auth application-default login`."
            ) from None
        except requests.exceptions.RequestException as e:
            raise QuickstartError(f"Cannot reach GKE Inference Quickstart at {self.endpoint}: {e}") from None

    # -- models ------------------------------------------------------------------------------------------------

    def models(self) -> list[str]:
        """Every model GIQ has profiles for."""
        if self._models is None:
            with self._call("list models"):
                self._models = list(self._client.fetch_models(request={}, timeout=TIMEOUT_S))
        return self._models

    def check_model(self, model: str) -> None:
        """Raise UnknownModel, naming close matches, unless GIQ knows the model."""
        models = self.models()
        if model in models:
            return
        by_lower = {m.lower(): m for m in models}
        wanted = model.lower()
        contains = [m for low, m in by_lower.items() if wanted in low or low.split("/")[-1] == wanted.split("/")[-1]]
        close = [by_lower[m] for m in difflib.get_close_matches(wanted, list(by_lower), n=3, cutoff=0.6)]
        suggestions = list(dict.fromkeys(contains + close))[:5]
        hint = f" Close matches: {', '.join(suggestions)}." if suggestions else ""
        raise UnknownModel(
            f"GKE Inference Quickstart has no model '{model}'.{hint} `pybench profiles models` lists all {len(models)}."
        )

    def _on_bad_request(self, e: Exception, model: str, what: str) -> QuickstartError:
        """A 400 (INVALID_ARGUMENT) or 404 (NOT_FOUND) about a model the user named: say so if the model is unknown."""
        from google.api_core import exceptions as gexc

        if isinstance(e, gexc.BadRequest | gexc.NotFound):
            self.check_model(model)
        return _api_error(e, what)

    def model_servers(self, model: str) -> dict[str, list[str]]:
        """Model servers for a model, each with its versions (newest last, as GIQ sorts them)."""
        from google.api_core import exceptions as gexc

        what = f"list model servers for {model}"
        with self._call(what):
            try:
                servers = list(self._client.fetch_model_servers(request={"model": model}, timeout=TIMEOUT_S))
                return {
                    s: list(self._client.fetch_model_server_versions(
                        request={"model": model, "model_server": s}, timeout=TIMEOUT_S))
                    for s in servers
                }
            except (gexc.BadRequest, gexc.NotFound) as e:
                raise self._on_bad_request(e, model, what) from None

    # -- profiles and benchmarks -------------------------------------------------------------------------------

    def profiles(
        self,
        model: str | None = None,
        model_server: str | None = None,
        model_server_version: str | None = None,
        target_ttft_ms: int | None = None,
        target_ntpot_ms: int | None = None,
    ) -> ProfileList:
        """Profiles matching the filters and performance targets (all pages)."""
        from google.api_core import exceptions as gexc

        request: dict[str, Any] = {
            k: v
            for k, v in {"model": model, "model_server": model_server, "model_server_version": model_server_version,
                         "performance_requirements": _requirements(target_ttft_ms, target_ntpot_ms)}.items()
            if v
        }
        what = "list profiles"
        profiles: list[Profile] = []
        comments, ranges = "", None
        with self._call(what):
            try:
                for i, page in enumerate(self._client.fetch_profiles(request=request, timeout=TIMEOUT_S).pages):
                    profiles.extend(profile_from_message(p) for p in page.profile)
                    if i == 0:
                        comments, ranges = page.comments, ranges_from_message(page.performance_range)
            except (gexc.BadRequest, gexc.NotFound) as e:
                if model:
                    raise self._on_bad_request(e, model, what) from None
                raise
        if not profiles and model:
            self.check_model(model)
        return ProfileList(profiles=profiles, comments=comments, ranges=ranges)

    def benchmarks(
        self,
        model: str,
        model_server: str,
        model_server_version: str | None = None,
        instance_type: str | None = None,
        pricing_model: str | None = None,
    ) -> list[Profile]:
        """Published benchmarking data; an empty list when the model is known but nothing matches."""
        from google.api_core import exceptions as gexc

        request: dict[str, Any] = {"model_server_info": _server_info(model, model_server, model_server_version)}
        if instance_type:
            request["instance_type"] = instance_type
        if pricing_model:
            request["pricing_model"] = pricing_model
        what = f"fetch benchmarking data for {model} on {model_server}"
        with self._call(what):
            try:
                response = self._client.fetch_benchmarking_data(request=request, timeout=TIMEOUT_S)
            except (gexc.BadRequest, gexc.NotFound) as e:
                raise self._on_bad_request(e, model, what) from None
        profiles = [profile_from_message(p) for p in response.profile]
        if not profiles:
            self.check_model(model)
        return profiles

    # -- manifests ---------------------------------------------------------------------------------------------

    def manifest(
        self,
        model: str,
        model_server: str,
        accelerator: str,
        namespace: str | None = None,
        target_ttft_ms: int | None = None,
        target_ntpot_ms: int | None = None,
        model_server_version: str | None = None,
    ) -> ManifestSet:
        """Optimized manifests for a model server on an accelerator GIQ has a profile for."""
        from google.api_core import exceptions as gexc

        available = self.profiles(model=model, model_server=model_server,
                                  model_server_version=model_server_version).profiles
        accelerators = sorted({p.accelerator for p in available})
        if accelerator not in accelerators:
            raise NoProfile(no_profile_message(model, model_server, accelerator, available, self))
        request: dict[str, Any] = {"model_server_info": _server_info(model, model_server, model_server_version),
                                   "accelerator_type": accelerator}
        if namespace:
            request["kubernetes_namespace"] = namespace
        req = _requirements(target_ttft_ms, target_ntpot_ms)
        if req:
            request["performance_requirements"] = req
        what = f"generate manifests for {model} on {model_server} with {accelerator}"
        with self._call(what):
            try:
                response = self._client.generate_optimized_manifest(request=request, timeout=TIMEOUT_S)
            except (gexc.BadRequest, gexc.NotFound) as e:
                raise self._on_bad_request(e, model, what) from None
        return ManifestSet(
            model=model,
            model_server=model_server,
            accelerator=accelerator,
            namespace=namespace or "",
            manifests=[Manifest(m.kind, m.api_version, m.content) for m in response.kubernetes_manifests],
            comments=list(response.comments),
            manifest_version=response.manifest_version,
        )


def no_profile_message(model: str, model_server: str, accelerator: str, available: list[Profile], giq: Giq) -> str:
    """Why there is no profile, and what there is instead."""
    if available:
        have = ", ".join(sorted({f"{p.accelerator} ({p.instance_type})" for p in available}))
        return (f"GKE Inference Quickstart has no profile for {model} on {model_server} with {accelerator}. "
                f"Accelerators with a profile: {have}.")
    servers = sorted({p.model_server for p in giq.profiles(model=model).profiles})
    others = f" Model servers with a profile for it: {', '.join(servers)}." if servers else ""
    return f"GKE Inference Quickstart has no profile for {model} on {model_server}.{others}"


def published_benchmarks(giq: Giq, model: str, model_server: str, model_server_version: str | None = None,
                         instance_type: str | None = None, pricing_model: str | None = None) -> list[Profile]:
    """GIQ's published benchmarks for the model on the model server; NoProfile, naming the machine types (or the
    model servers) GIQ has one for instead, when there is none."""
    data = giq.benchmarks(model, model_server, model_server_version, instance_type, pricing_model)
    if data:
        return data
    if instance_type:
        have = sorted({p.instance_type for p in giq.benchmarks(model, model_server, model_server_version)})
        raise NoProfile(f"GKE Inference Quickstart has no benchmark for {model} on {model_server} with "
                        f"{instance_type}; instance types with one: {', '.join(have) or 'none'}.")
    raise NoProfile(no_profile_message(model, model_server, "any accelerator", [], giq))


def _server_info(model: str, model_server: str, version: str | None) -> dict[str, str]:
    """GIQ's ModelServerInfo, with the version only when one is given."""
    info = {"model": model, "model_server": model_server}
    if version:
        info["model_server_version"] = version
    return info
