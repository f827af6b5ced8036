"""The offline tokenizer: loads with transformers offline, rebuilds byte-identically, and suits inference-perf."""

import os

import numpy as np
import pytest

from pybench.simulator import TOKENIZER_DIR
from pybench.simulator.build_tokenizer import VOCAB_SIZE, write_tokenizer


@pytest.fixture(scope="module")
def auto_tokenizer():
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(TOKENIZER_DIR)


def test_checked_in_folder_is_small_and_complete():
    files = {p.name: p.stat().st_size for p in TOKENIZER_DIR.iterdir()}
    assert set(files) == {"tokenizer.json", "tokenizer_config.json"}
    assert sum(files.values()) < 500_000


def test_autotokenizer_loads_offline(auto_tokenizer):
    assert auto_tokenizer.vocab_size == VOCAB_SIZE
    text = "The river runs past the old mill."
    with_special = auto_tokenizer(text).input_ids
    assert with_special == auto_tokenizer(text, add_special_tokens=False).input_ids  # no BOS/EOS post-processor
    assert auto_tokenizer.decode(with_special) == text


def test_fresh_build_equals_checked_in_files(tmp_path):
    write_tokenizer(tmp_path)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (tmp_path / name).read_bytes() == (TOKENIZER_DIR / name).read_bytes(), name


def test_build_tokenizer_module_runs_as_a_command(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "tok"
    subprocess.run([sys.executable, "-m", "pybench.simulator.build_tokenizer", str(out)], check=True,
                   capture_output=True)
    assert (out / "tokenizer.json").read_bytes() == (TOKENIZER_DIR / "tokenizer.json").read_bytes()


@pytest.mark.parametrize("target_len", [1, 7, 64, 300, 2000])
def test_inference_perf_generates_exact_length_prompts(target_len):
    from inference_perf.config import CustomTokenizerConfig
    from inference_perf.datagen.datagen_utils import generate_random_exact_length_text, init_vocab_sampling
    from inference_perf.utils.custom_tokenizer import CustomTokenizer

    tokenizer = CustomTokenizer(CustomTokenizerConfig(pretrained_model_name_or_path=str(TOKENIZER_DIR)))
    _, _, valid_ids = init_vocab_sampling(tokenizer)
    rng = np.random.default_rng(target_len)
    for _ in range(5):
        text, _ = generate_random_exact_length_text(rng, valid_ids, tokenizer, target_len)
        assert tokenizer.count_tokens(text) == target_len
