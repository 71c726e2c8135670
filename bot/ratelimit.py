"""Per-user rate limiting: a sliding window of recent requests per key."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    def __init__(self, max_events: int, per_seconds: float, clock=time.monotonic):
        self.max_events = max_events
        self.per_seconds = per_seconds
        self._clock = clock
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._told: set[str] = set()  # keys refused since they were last let through
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """0 if `key` may go ahead now (and count it), else seconds until it may."""
        now = self._clock()
        with self._lock:
            events = self._events[key]
            while events and now - events[0] >= self.per_seconds:
                events.popleft()
            if len(events) >= self.max_events:
                return self.per_seconds - (now - events[0])
            events.append(now)
            self._told.discard(key)
            if len(self._events) > 10_000:  # forget idle keys so memory stays flat
                for idle in [k for k, v in self._events.items() if not v]:
                    del self._events[idle]
            return 0.0

    def first_refusal(self, key: str) -> bool:
        """True once per run of refusals: a flooding user is told to wait once, not per message
        (each notice is a message that counts against the bot's own sending limits)."""
        with self._lock:
            if key in self._told:
                return False
            if len(self._told) > 10_000:  # bounded, like the windows themselves
                self._told.clear()
            self._told.add(key)
            return True
