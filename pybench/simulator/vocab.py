"""Token counting and output words, both from the simulator's tokenizer (the fast `tokenizers` library, not
transformers, to keep start-up and per-request cost low).

Every output token is one whole-word vocabulary token such as " river". The tokenizer's pre-tokenizer splits text at
spaces, so a concatenation of such words re-tokenizes into exactly one token per word: inference-perf's client-side
count of the streamed text then equals the number of tokens the simulator generated. Which words qualify is checked
against the tokenizer at start-up rather than assumed.

Chat prompts count the messages' text content plus CHAT_TOKENS_PER_MESSAGE per message (role and separators of a
chat template) plus CHAT_REPLY_PRIMING_TOKENS (the assistant header the template appends).
"""

import random
import re
from pathlib import Path
from typing import Any

from pybench.simulator.wordlist import WORDS

CHAT_TOKENS_PER_MESSAGE = 4
CHAT_REPLY_PRIMING_TOKENS = 3
WORD_TABLE_SIZE = 10_007  # prime, so per-request offsets walk the whole table
WORD_TABLE_SEED = 7
INLINE_TOKENIZE_CHARS = 4096  # longer prompts are tokenized off the event loop


CHAT_MESSAGE_ID = -1  # stand-ins for a chat template's tokens in the ids that prefix caching hashes
CHAT_PRIMING_ID = -2


class Vocabulary:
    def __init__(self, tokenizer: Path | str):
        """`tokenizer`: a folder holding tokenizer.json, or a Hugging Face hub id (downloaded, e.g. in a cluster, so
        the simulator counts tokens exactly as a load generator using that tokenizer does)."""
        from tokenizers import Tokenizer  # type: ignore[import-untyped]

        path = Path(tokenizer)
        if (path / "tokenizer.json").is_file():
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        else:
            self.tokenizer = Tokenizer.from_pretrained(str(tokenizer))
        self.words = self._single_token_words()
        rng = random.Random(WORD_TABLE_SEED)
        weights = [1.0 / (rank + 10) for rank in range(len(self.words))]
        self.table = [rng.choices(range(len(self.words)), weights)[0] for _ in range(WORD_TABLE_SIZE)]

    def _single_token_words(self) -> list[str]:
        vocab = self.tokenizer.get_vocab()
        preferred = [f" {w}" for w in dict.fromkeys(WORDS) if f"\u0120{w}" in vocab]
        others = sorted(f" {t[1:]}" for t in vocab if re.fullmatch("\u0120[a-z]+", t))
        candidates = preferred if len(preferred) >= 100 else list(dict.fromkeys(preferred + others))
        words = [w for w in candidates if len(self.tokenizer.encode(w, add_special_tokens=False).ids) == 1]
        if len(words) < 10:
            raise RuntimeError(f"The tokenizer has only {len(words)} single-token words; cannot generate output.")
        sample = "".join(words[:500])
        if len(self.tokenizer.encode(sample, add_special_tokens=False).ids) != min(500, len(words)):
            raise RuntimeError("Concatenated output words do not re-tokenize one token per word.")
        return words

    def word_ids(self, offset: int, count: int) -> list[int]:
        """Indices into `words` of the `count` output tokens of the request with this offset."""
        start = offset % WORD_TABLE_SIZE
        table = self.table
        if start + count <= WORD_TABLE_SIZE:
            return table[start : start + count]
        return [table[(start + k) % WORD_TABLE_SIZE] for k in range(count)]

    def text(self, offset: int, count: int) -> str:
        words = self.words
        return "".join(words[i] for i in self.word_ids(offset, count))

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids) if text else 0

    def count_many(self, texts: list[str]) -> int:
        """Token count of several texts at once; encode_batch releases the GIL, so this can run in a thread."""
        return sum(len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False))

    def ids_many(self, texts: list[str]) -> list[list[int]]:
        """Token ids of several texts; encode_batch releases the GIL, so this can run in a thread."""
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]


def chat_ids(message_ids: list[list[int]]) -> list[int]:
    """The token ids of a chat prompt as a template would lay them out: per message a few template tokens, then its
    text; then the assistant header. Prefix caching hashes these, so a shared system prompt is a shared prefix."""
    ids: list[int] = []
    for text_ids in message_ids:
        ids += [CHAT_MESSAGE_ID] * CHAT_TOKENS_PER_MESSAGE
        ids += text_ids
    return ids + [CHAT_PRIMING_ID] * CHAT_REPLY_PRIMING_TOKENS


def message_texts(messages: list[dict[str, Any]]) -> list[str]:
    """The text parts of chat messages' content (a string or a list of typed parts); other parts are not counted."""
    texts = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return texts


def chat_overhead(num_messages: int) -> int:
    return CHAT_TOKENS_PER_MESSAGE * num_messages + CHAT_REPLY_PRIMING_TOKENS
