"""The KV cache as vLLM v1 manages it: a pool of fixed-size blocks with reference counts, automatic prefix caching
keyed by a hash chain over full blocks of prompt token ids, and LRU eviction of cached blocks nobody holds.

- A sequence holds a list of block ids; block i stores its tokens [i*block_size, (i+1)*block_size).
- A full prompt block, once computed, is registered under its hash: hash((parent block's hash, its token ids)), so
  two prompts share a cached block only when everything before it is identical too (block_hashes() below).
- Freed blocks go to the tail of a free queue (a sequence's last block first, as vLLM does, so tails are evicted
  before the prefixes they extend); allocation takes from the head, dropping the cached hash of what it reuses.
  Cached blocks in the free queue can still be hit; a hit takes them back out.
- Usage, as vLLM reports it (vllm:kv_cache_usage_perc), is 1 - free blocks / all blocks: cached blocks that nobody
  holds count as free.
"""

from collections import OrderedDict
from collections.abc import Sequence


def block_hashes(token_ids: Sequence[int], block_size: int, parent: int = 0) -> list[int]:
    """Hashes of the full blocks of `token_ids`, each chained to the previous one."""
    hashes = []
    for start in range(0, len(token_ids) - block_size + 1, block_size):
        parent = hash((parent, tuple(token_ids[start:start + block_size])))
        hashes.append(parent)
    return hashes


class KVCache:
    __slots__ = ("block_hash", "block_size", "cached", "caching", "free", "num_blocks", "refs")

    def __init__(self, num_blocks: int, block_size: int, enable_prefix_caching: bool = True):
        self.num_blocks = num_blocks
        self.block_size = block_size
        self.caching = enable_prefix_caching
        self.refs = [0] * num_blocks
        self.block_hash: list[int | None] = [None] * num_blocks
        self.cached: dict[int, int] = {}  # hash -> block id
        self.free: OrderedDict[int, None] = OrderedDict.fromkeys(range(num_blocks))

    @property
    def num_free(self) -> int:
        return len(self.free)

    @property
    def usage(self) -> float:
        return 1.0 - len(self.free) / self.num_blocks

    def lookup(self, hashes: Sequence[int], num_tokens: int) -> list[int]:
        """Blocks of the longest cached prefix, leaving at least the last token to compute (as vLLM does)."""
        if not self.caching or not hashes:
            return []
        hits = []
        cached = self.cached
        for h in hashes[: (num_tokens - 1) // self.block_size]:
            block = cached.get(h)
            if block is None:
                break
            hits.append(block)
        return hits

    def allocate(self, blocks: list[int], new: int, hits: Sequence[int] = ()) -> bool:
        """Append the prefix-cache `hits` and `new` fresh blocks to a sequence's `blocks`; False, changing nothing,
        when too few blocks are free."""
        refs = self.refs
        free = self.free
        reclaimed = sum(1 for b in hits if refs[b] == 0)
        if new > len(free) - reclaimed:
            return False
        for b in hits:
            if refs[b] == 0:
                del free[b]
            refs[b] += 1
            blocks.append(b)
        block_hash = self.block_hash
        for _ in range(new):
            b = free.popitem(last=False)[0]
            h = block_hash[b]
            if h is not None:  # evict its cached content
                if self.cached.get(h) == b:
                    del self.cached[h]
                block_hash[b] = None
            refs[b] = 1
            blocks.append(b)
        return True

    def cache_blocks(self, blocks: Sequence[int], hashes: Sequence[int], start: int, end: int) -> None:
        """Register blocks [start, end) of a sequence, now computed, under their prompt-block hashes."""
        if not self.caching:
            return
        cached = self.cached
        for i in range(start, min(end, len(hashes))):
            h = hashes[i]
            if h not in cached and self.block_hash[blocks[i]] is None:
                cached[h] = blocks[i]
                self.block_hash[blocks[i]] = h

    def release(self, blocks: list[int]) -> None:
        """Drop a sequence's hold on its blocks (last block first) and empty the list."""
        refs = self.refs
        free = self.free
        for b in reversed(blocks):
            refs[b] -= 1
            if refs[b] == 0:
                free[b] = None
        blocks.clear()
