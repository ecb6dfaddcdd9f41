"""Sharding: a deterministic share of a run's files or blobs, for runs split across machines.

`Shard(index, total)` (`--shard K/N`, 1-based) takes an item when a stable hash of its name
(a file's path relative to the config root, a blob's object id) falls into its share. The
hash is BLAKE2b, never Python's `hash()` (salted per process): every machine and every run
splits the same way, and the shares are balanced and disjoint and together cover everything.
A leaf module: anything may import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


class ShardError(ValueError):
    """A `--shard` value that is not K/N with 1 <= K <= N."""


@dataclass(frozen=True)
class Shard:
    """Share `index` (1-based) of `total`."""

    index: int = 1
    total: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` as a Shard; raises ShardError for anything else."""
        match = _SPEC.fullmatch(text)
        if match is None:
            raise ShardError(f"--shard {text!r}: expected K/N, such as 1/4")
        index, total = int(match.group(1)), int(match.group(2))
        if not 1 <= index <= total:
            raise ShardError(f"--shard {text!r}: K must be from 1 to N")
        return cls(index, total)

    @property
    def whole(self) -> bool:
        """True when this shard is the whole run (1/1)."""
        return self.total == 1

    def takes(self, name: str) -> bool:
        """True when the item called `name` belongs to this shard."""
        if self.total == 1:
            return True
        import hashlib  # start-up time: only sharded runs need it

        digest = hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.total == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


WHOLE = Shard()
