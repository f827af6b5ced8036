"""pybench: benchmark LLM inference servers on GKE with inference-perf."""

__version__ = "0.1.0"
