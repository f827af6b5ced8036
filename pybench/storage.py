"""Runs in the results bucket: gs://BUCKET/runs/<run-id>/ holds inference-perf's reports and pybench's run.json.

Every call retries transient failures (429, 5xx such as 503, dropped connections) with google-api-core's
exponential backoff. With STORAGE_EMULATOR_HOST set (tests, fake-gcs-server) the client uses anonymous credentials."""

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pybench.errors import RunNotFound, StorageError

RUNS_PREFIX = "runs/"
RECORD_NAME = "run.json"
LOG_NAME = "inference-perf.log"


def make_retry(initial: float = 1.0, maximum: float = 30.0, timeout: float = 180.0) -> Any:
    """google-api-core Retry on the errors GCS documents as transient (429, 500, 502, 503, 504, connection errors)."""
    from google.cloud.storage.retry import DEFAULT_RETRY

    return DEFAULT_RETRY.with_delay(initial=initial, maximum=maximum, multiplier=2.0).with_timeout(timeout)


def make_client(project: str | None = None) -> Any:
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import storage

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        from google.auth.credentials import AnonymousCredentials

        return storage.Client(project=project or "emulator", credentials=AnonymousCredentials())
    try:
        return storage.Client(project=project)
    except DefaultCredentialsError:
        raise StorageError(
            "No Google Cloud credentials for Cloud Storage; run `gcloud auth application-default login`."
        ) from None


@dataclass
class StoredRun:
    """One run's folder in the bucket, from a listing (no downloads)."""

    run_id: str
    files: dict[str, int] = field(default_factory=dict)  # object name under the run prefix -> size
    created: datetime | None = None
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def stages_reported(self) -> int:
        return sum(1 for name in self.files if name.startswith("stage_") and name.endswith("_lifecycle_metrics.json"))

    @property
    def has_summary(self) -> bool:
        return any(name.endswith("summary_lifecycle_metrics.json") for name in self.files)


class RunStore:
    """The runs of one bucket."""

    def __init__(self, bucket: str, project: str | None = None, client: Any = None, retry: Any = None) -> None:
        self.bucket_name = bucket.removeprefix("gs://").rstrip("/")
        self.client = client if client is not None else make_client(project)
        self.retry = retry if retry is not None else make_retry()
        self.bucket = self.client.bucket(self.bucket_name)

    def url(self, run_id: str = "") -> str:
        return f"gs://{self.bucket_name}/{RUNS_PREFIX}{run_id}/" if run_id else f"gs://{self.bucket_name}/{RUNS_PREFIX}"

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one API call; turn what remains after the retries into one clear StorageError."""
        from google.api_core import exceptions as gexc
        from google.auth.exceptions import GoogleAuthError

        try:
            return fn(*args, retry=self.retry, **kwargs)
        except gexc.NotFound:
            raise
        except gexc.Forbidden as e:
            raise StorageError(f"Not allowed to {what} in gs://{self.bucket_name}: {e.message}") from None
        except gexc.RetryError as e:
            raise StorageError(f"Cloud Storage kept failing while trying to {what}: {e.cause}") from None
        except (gexc.GoogleAPIError, GoogleAuthError, OSError) as e:
            raise StorageError(f"Could not {what} in gs://{self.bucket_name}: {e}") from None

    def check_bucket(self) -> None:
        """The bucket exists and the caller may read it (the pod additionally needs to write)."""
        from google.api_core import exceptions as gexc

        try:
            self._call("read the bucket", self.bucket.reload)
        except gexc.NotFound:
            raise StorageError(
                f"Bucket gs://{self.bucket_name} does not exist; run `pybench bootstrap` or pass --bucket."
            ) from None

    def _blobs(self, prefix: str, max_results: int | None = None) -> list[Any]:
        from google.api_core import exceptions as gexc

        try:
            def listing(retry: Any) -> list[Any]:  # the pages are fetched while iterating
                return list(self.client.list_blobs(self.bucket_name, prefix=prefix, max_results=max_results,
                                                   retry=retry))

            return self._call("list objects", listing)
        except gexc.NotFound:
            raise StorageError(f"Bucket gs://{self.bucket_name} does not exist.") from None

    def run_exists(self, run_id: str) -> bool:
        return bool(self._blobs(f"{RUNS_PREFIX}{run_id}/", max_results=1))

    def put_text(self, run_id: str, name: str, text: str, content_type: str = "text/plain") -> None:
        blob = self.bucket.blob(f"{RUNS_PREFIX}{run_id}/{name}")
        self._call(f"write {name}", blob.upload_from_string, text, content_type=content_type)

    def put_record(self, run_id: str, record: dict[str, Any]) -> None:
        self.put_text(run_id, RECORD_NAME, json.dumps(record, indent=2) + "\n", content_type="application/json")

    def get_text(self, run_id: str, name: str) -> str | None:
        from google.api_core import exceptions as gexc

        blob = self.bucket.blob(f"{RUNS_PREFIX}{run_id}/{name}")
        try:
            return self._call(f"read {name}", blob.download_as_bytes).decode("utf-8", "replace")
        except gexc.NotFound:
            return None

    def get_record(self, run_id: str) -> dict[str, Any]:
        text = self.get_text(run_id, RECORD_NAME)
        try:
            record = json.loads(text) if text else {}
        except ValueError:
            return {}
        return record if isinstance(record, dict) else {}

    def list_runs(self, limit: int | None = None) -> list[StoredRun]:
        """Runs under runs/, newest first, each with its run.json (one listing plus one read per run shown)."""
        runs: dict[str, StoredRun] = {}
        for blob in self._blobs(RUNS_PREFIX):
            run_id, _, name = blob.name.removeprefix(RUNS_PREFIX).partition("/")
            if not run_id or not name:
                continue
            run = runs.setdefault(run_id, StoredRun(run_id))
            run.files[name] = blob.size or 0
            if blob.time_created and (run.created is None or blob.time_created < run.created):
                run.created = blob.time_created
        ordered = sorted(runs.values(), key=lambda r: (r.created is not None, r.created, r.run_id), reverse=True)
        shown = ordered[:limit] if limit else ordered
        for run in shown:
            if RECORD_NAME in run.files:
                run.record = self.get_record(run.run_id)
        return shown

    def download_run(self, run_id: str, dest: Path) -> list[Path]:
        """Copy every object of the run into dest (checksums verified); RunNotFound when the run has none."""
        prefix = f"{RUNS_PREFIX}{run_id}/"
        blobs = self._blobs(prefix)
        if not blobs:
            raise RunNotFound(f"No run '{run_id}' in {self.url()} (`pybench runs` lists the runs there).")
        dest.mkdir(parents=True, exist_ok=True)
        written = []
        for listed in blobs:
            relative = listed.name.removeprefix(prefix)
            if not relative or relative.endswith("/") or ".." in Path(relative).parts:
                continue
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            blob = self.bucket.blob(listed.name)  # by name: downloads go through the client's endpoint
            self._call(f"download {listed.name}", blob.download_to_filename, str(partial))
            partial.replace(target)
            written.append(target)
        return written
