"""The built-in vLLM-compatible simulator and its offline tokenizer.

Importing this package is cheap: the server (aiohttp, tokenizers) loads only when a simulator starts.

    from pybench.simulator import running
    with running("nvidia-l4") as base_url:
        ...  # point inference-perf at base_url, tokenizer at TOKENIZER_DIR
"""

from pybench.simulator.runner import TOKENIZER_DIR, running, serve

__all__ = ["TOKENIZER_DIR", "running", "serve"]
