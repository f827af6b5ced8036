"""pybench.storage against the real fake-gcs-server binary: reports arrive intact, partial runs, unknown run ids,
transient 503s retried (a proxy fails the first requests)."""

import json
import os

import pytest
from reportgen import lifecycle

from pybench.errors import RunNotFound, StorageError
from pybench.reports import load_run
from pybench.storage import RunStore, make_retry

pytest_plugins = ["fake_gcs"]  # fixtures gcs_server, gcs, flaky_gcs

FAST_RETRY = make_retry(initial=0.01, maximum=0.05, timeout=5)


def upload_run(client, run_id, stages=3, summary=True, record=None):
    """What a finished cluster run leaves: inference-perf's reports plus pybench's run.json."""
    bucket = client.bucket(client.bucket_name)
    files = {f"stage_{i}_lifecycle_metrics.json": json.dumps(lifecycle(rate=2.0 * (i + 1))) for i in range(stages)}
    if summary:
        files["summary_lifecycle_metrics.json"] = json.dumps(lifecycle())
        # a big per-request report: chunked downloads must still arrive byte for byte
        files["per_request_lifecycle_metrics.json"] = json.dumps([{"i": i, "x": os.urandom(8).hex()}
                                                                  for i in range(40000)])
    files["run.json"] = json.dumps(record or {"run_id": run_id, "status": "running", "planned_stages": stages})
    for name, text in files.items():
        bucket.blob(f"runs/{run_id}/{name}").upload_from_string(text, content_type="application/json")
    return files


def test_reports_arrive_intact_and_parse(gcs, tmp_path):
    sent = upload_run(gcs, "run-a")
    store = RunStore(gcs.bucket_name, client=gcs, retry=FAST_RETRY)
    written = store.download_run("run-a", tmp_path / "run-a")
    assert sorted(p.name for p in written) == sorted(sent)
    for path in written:
        assert path.read_text() == sent[path.name], path.name
    assert not list((tmp_path / "run-a").glob("*.part"))
    result = load_run(tmp_path / "run-a")
    assert [s.stage for s in result.stages] == [0, 1, 2] and result.summary is not None


def test_partial_run_downloads_what_there_is(gcs, tmp_path):
    upload_run(gcs, "run-partial", stages=1, summary=False)
    store = RunStore(gcs.bucket_name, client=gcs, retry=FAST_RETRY)
    store.download_run("run-partial", tmp_path / "p")
    result = load_run(tmp_path / "p")
    assert [s.stage for s in result.stages] == [0] and result.summary is None


def test_unknown_run_id_says_so(gcs, tmp_path):
    upload_run(gcs, "run-b", stages=1)
    store = RunStore(gcs.bucket_name, client=gcs, retry=FAST_RETRY)
    with pytest.raises(RunNotFound) as e:
        store.download_run("run-bb", tmp_path / "x")
    assert str(e.value) == f"No run 'run-bb' in gs://{gcs.bucket_name}/runs/ (`pybench runs` lists the runs there)."
    assert not (tmp_path / "x").exists()
    assert not store.run_exists("run-bb") and store.run_exists("run-b")


def test_list_runs_reads_each_run_json(gcs):
    upload_run(gcs, "run-1", stages=2, record={"run_id": "run-1", "status": "succeeded", "scenario": "demo"})
    upload_run(gcs, "run-2", stages=1, summary=False)
    runs = {r.run_id: r for r in RunStore(gcs.bucket_name, client=gcs, retry=FAST_RETRY).list_runs()}
    assert set(runs) == {"run-1", "run-2"}
    assert runs["run-1"].record["status"] == "succeeded" and runs["run-1"].stages_reported == 2
    assert runs["run-1"].has_summary and not runs["run-2"].has_summary
    assert RunStore(gcs.bucket_name, client=gcs).list_runs(limit=1)[0].run_id in runs


def test_missing_bucket_is_one_clear_line(gcs):
    with pytest.raises(StorageError, match=r"^Bucket gs://no-such-bucket does not exist; run `pybench bootstrap`"):
        RunStore("no-such-bucket", client=gcs, retry=FAST_RETRY).check_bucket()


def test_transient_503s_are_retried(flaky_gcs, gcs, tmp_path):
    sent = upload_run(gcs, "run-flaky", stages=2)
    store = RunStore(gcs.bucket_name, retry=FAST_RETRY)  # a new client: through the proxy
    for call in (store.check_bucket, lambda: store.list_runs(),
                 lambda: store.download_run("run-flaky", tmp_path / "f"),
                 lambda: store.put_record("run-flaky", {"status": "succeeded"})):
        flaky_gcs.fail = 2
        call()
        assert flaky_gcs.fail == 0
    assert flaky_gcs.failed == 8
    assert (tmp_path / "f" / "stage_1_lifecycle_metrics.json").read_text() == sent["stage_1_lifecycle_metrics.json"]
    assert store.get_record("run-flaky") == {"status": "succeeded"}


def test_persistent_503s_end_in_one_clear_error(flaky_gcs, gcs):
    store = RunStore(gcs.bucket_name, retry=make_retry(initial=0.01, maximum=0.02, timeout=0.3))
    flaky_gcs.fail = 10_000
    with pytest.raises(StorageError, match="Cloud Storage kept failing while trying to list objects"):
        store.list_runs()
