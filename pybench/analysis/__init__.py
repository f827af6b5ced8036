"""Analysis of benchmark runs: what the reports say, turned into answers.

- per_request / stream: streaming parse of per_request_lifecycle_metrics.json, exact percentiles, warm-up trimming;
- prometheus: server-side metrics; slo: SLO capacity and goodput; cost: $ per million tokens;
- insights: findings with their evidence and what to do; compare: run against run, with a noise rule;
- analyze: one RunAnalysis per run; formats / tables / html: its views (JSON, CSV, Markdown, terminal, HTML).

Kept free of imports so that `import pybench.analysis.slo` and the CLI stay fast.
"""
