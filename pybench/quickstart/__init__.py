"""GKE Inference Quickstart (GIQ): validated profiles, published benchmarks and optimized manifests, applied to a
cluster and compared with what pybench measures.

- client.py: the google-cloud-gkerecommender calls, with named errors (Giq); published_benchmarks says what exists
  when GIQ has no benchmark
- data.py: plain records for profiles, benchmark points and manifests
- manifests.py: generated manifests on disk and the endpoint URL
- deploy.py: server-side apply and following the Deployment until it is ready (apply_and_wait)
- compare.py: a run's measured TTFT, NTPOT and output tokens/s beside the published ones (compare_runs_with_giq)
- views.py: tables, JSON and CSV for the CLI
"""
