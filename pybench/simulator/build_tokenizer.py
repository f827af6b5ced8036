"""Build the simulator's offline tokenizer: a byte-level BPE trained on text generated from `wordlist.WORDS`.

inference-perf always loads a tokenizer with transformers' AutoTokenizer, which offline needs a local folder holding
tokenizer.json and tokenizer_config.json. This builds that folder without any download: the training text is made
deterministically from the word list kept in the repo, so a rebuild gives byte-identical files (a test checks that
against the copy checked in at pybench/assets/tokenizer/).

There is no post-processor, so a text's token count is the same with or without special tokens.

    python -m pybench.simulator.build_tokenizer OUTDIR
"""

import json
import random
import sys
from pathlib import Path

from pybench.simulator.wordlist import WORDS

VOCAB_SIZE = 4096
END_OF_TEXT = "<|endoftext|>"
CORPUS_SEED = 20240917
CORPUS_SENTENCES = 60_000

TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",
    "eos_token": END_OF_TEXT,
    "add_bos_token": False,
    "add_eos_token": False,
    "clean_up_tokenization_spaces": False,
}


def unique_words() -> list[str]:
    return list(dict.fromkeys(WORDS))


def training_text(sentences: int = CORPUS_SENTENCES, seed: int = CORPUS_SEED) -> list[str]:
    """Sentences of Zipf-weighted words with capitals, punctuation and numbers, so common words become tokens."""
    rng = random.Random(seed)
    words = unique_words()
    weights = [1.0 / (rank + 20) for rank in range(len(words))]
    lines = []
    for _ in range(sentences):
        chosen = rng.choices(words, weights, k=rng.randint(4, 14))
        chosen[0] = chosen[0].capitalize()
        if rng.random() < 0.2:
            chosen.insert(rng.randrange(len(chosen)), str(rng.randint(0, 2024)))
        if rng.random() < 0.3:
            chosen[rng.randrange(len(chosen))] += ","
        lines.append(" ".join(chosen) + rng.choice([".", ".", ".", "?", "!", ":"]))
    return lines


def build_tokenizer():
    """Train the tokenizer in memory and return a `tokenizers.Tokenizer`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # type: ignore[import-untyped]

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[END_OF_TEXT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(training_text(), trainer=trainer)
    return tokenizer


def write_tokenizer(out_dir: Path) -> Path:
    """Write tokenizer.json and tokenizer_config.json into out_dir (created if needed) and return it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    build_tokenizer().save(str(out_dir / "tokenizer.json"), pretty=False)
    (out_dir / "tokenizer_config.json").write_text(json.dumps(TOKENIZER_CONFIG, indent=2, sort_keys=True) + "\n")
    return out_dir


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m pybench.simulator.build_tokenizer OUTDIR", file=sys.stderr)
        return 2
    print(write_tokenizer(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
