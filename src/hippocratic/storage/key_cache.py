"""A per-process cache of unwrapped subject keys that a shred empties at once.

Bounded (least recently used goes first) and time-limited. ``invalidate`` bumps an epoch: a key
whose load began before a shred is not cached when the load ends, so a read racing a shred in
the same process cannot put the shredded key back. Another process's cache forgets a shredded
key within ``seconds``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from hippocratic.storage.ciphertext import SubjectKey


class SubjectKeyCache:
    def __init__(self, size: int = 10_000, seconds: float = 30.0) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[SubjectKey, float]] = OrderedDict()
        self._size, self._seconds = size, seconds
        self._lock = threading.Lock()
        self._epoch = 0

    @property
    def epoch(self) -> int:
        return self._epoch

    def get(self, organisation: str, subject: str) -> SubjectKey | None:
        with self._lock:
            entry = self._entries.get((organisation, subject))
            if entry is None:
                return None
            if entry[1] < time.monotonic():
                del self._entries[(organisation, subject)]
                return None
            self._entries.move_to_end((organisation, subject))
            return entry[0]

    def put(self, organisation: str, subject: str, key: SubjectKey, loaded_at_epoch: int) -> None:
        """Cache ``key`` unless a shred happened since its load began."""
        if self._size <= 0 or self._seconds <= 0:
            return
        with self._lock:
            if self._epoch != loaded_at_epoch:
                return
            self._entries[(organisation, subject)] = (key, time.monotonic() + self._seconds)
            self._entries.move_to_end((organisation, subject))
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def invalidate(self, organisation: str, subject: str) -> None:
        with self._lock:
            self._epoch += 1
            self._entries.pop((organisation, subject), None)

    def __len__(self) -> int:
        return len(self._entries)
