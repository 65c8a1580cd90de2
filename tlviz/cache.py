"""A process-wide, bounded, single-flight result cache: compute once per distinct input, for every session.

A class of 60 opens the same lesson at the same moment; each browser tab is a thread of one server process. The
lessons' heavy results (attention traces, predictions, rollouts, figures) depend only on the model and the
inputs, so the first session computes a result and every other session asking for the same key waits for that
one computation and shares it (``single flight``) instead of recomputing it 60 times.

Bounds: at most ``max_entries`` results and about ``max_bytes`` of them (sizes estimated by :func:`size_of`),
least recently used evicted first. Cached values are shared: treat them as read-only.

This module is pure Python (no streamlit); :mod:`tlviz.ui` holds the app's instance.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


#: A plotly figure held in memory, with the JSON form that is sent to browsers (:mod:`tlviz.viz.wire`), takes a
#: few times its JSON-able data: 2.4x to 27x for the BERT page's figures (tracemalloc), so it counts 4x.
FIGURE_OVERHEAD = 4


def size_of(value: Any, _depth: int = 0) -> int:
    """A rough size in bytes: numpy arrays and torch tensors by their buffers, containers and dataclasses by
    their contents, plotly figures by their JSON-able data (times :data:`FIGURE_OVERHEAD`), anything else by
    ``sys.getsizeof``."""
    if _depth > 6:
        return 64
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    if hasattr(value, "element_size") and hasattr(value, "numel"):  # torch.Tensor
        return int(value.element_size() * value.numel())
    if isinstance(value, (str, bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        return 64 + sum(size_of(k, _depth + 1) + size_of(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return 64 + sum(size_of(v, _depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(size_of(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    if hasattr(value, "to_plotly_json"):  # a plotly figure
        return FIGURE_OVERHEAD * (256 + size_of(value.to_plotly_json(), _depth + 1))
    return sys.getsizeof(value)


def fingerprint(value: Any, pins: list | None = None) -> Hashable:
    """A hashable key part for an input: hashable values as themselves, arrays, bytes and images by a digest
    of their content, top-level functions by their file and name, anything else (a loaded model) by its
    identity, appended to ``pins`` (see :meth:`SharedCache.get`)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", hashlib.blake2b(bytes(value), digest_size=16).hexdigest())
    if hasattr(value, "tobytes") and hasattr(value, "shape") and hasattr(value, "dtype"):  # numpy
        return ("array", str(value.dtype), tuple(value.shape),
                hashlib.blake2b(value.tobytes(), digest_size=16).hexdigest())
    if hasattr(value, "tobytes") and hasattr(value, "mode") and hasattr(value, "size"):  # PIL image
        return ("image", value.mode, tuple(value.size),
                hashlib.blake2b(value.tobytes(), digest_size=16).hexdigest())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(v, pins) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), fingerprint(v, pins)) for k, v in value.items())))
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if inspect.isfunction(value) and "<" not in value.__qualname__:  # a named top-level function: by its place
        return ("function", value.__code__.co_filename, value.__qualname__)  # (a page re-runs, redefining it)
    if dataclasses.is_dataclass(value) and getattr(value, "__hash__", None) is not None:
        try:
            hash(value)
            return value  # a frozen config: equal configs share results
        except TypeError:
            pass
    if pins is not None:
        pins.append(value)
    return ("object", type(value).__qualname__, id(value))


class _Flight:
    """One computation in progress: the sessions that want its result wait on ``done``."""

    def __init__(self):
        self.done = threading.Event()
        self.value: Any = _MISSING
        self.error: BaseException | None = None


class SharedCache:
    """Thread-safe LRU of computed results with single-flight computation, bounded in entries and bytes."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 512 * 2**20):
        self.max_entries = int(max_entries)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int, tuple]] = OrderedDict()  # key -> (value, size, pins)
        self._flights: dict[Hashable, _Flight] = {}
        self._bytes = 0
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], Any], pins: tuple = ()) -> Any:
        """The cached value for ``key``, computing it once (by the first caller) if it is missing.

        ``pins`` are objects whose identity is part of the key (a model): the entry holds them, so their ``id``
        cannot be reused by another object while the entry lives. An exception in ``compute`` reaches every
        waiting caller and nothing is cached.
        """
        with self._lock:
            entry = self._entries.get(key, _MISSING)
            if entry is not _MISSING:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
            flight = self._flights.get(key)
            owner = flight is None
            if owner:
                flight = self._flights[key] = _Flight()
                self.misses += 1
            else:
                self.hits += 1
        if not owner:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        try:
            value = compute()
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()
            raise
        size = size_of(value)
        with self._lock:
            self._flights.pop(key, None)
            if size <= self.max_bytes:
                self._entries[key] = (value, size, tuple(pins))
                self._bytes += size
                self._evict()
        flight.value = value
        flight.done.set()
        return value

    def ready(self, key: Hashable) -> bool:
        """True when ``key``'s value is cached now (computed, not evicted); computes nothing, waits for nothing."""
        with self._lock:
            return key in self._entries

    def _evict(self) -> None:
        while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
            _, (_, size, _) = self._entries.popitem(last=False)
            self._bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "hits": self.hits, "misses": self.misses,
                    "in_flight": len(self._flights)}


def call_key(fn: Callable, args: tuple, kwargs: dict) -> tuple[Hashable, tuple]:
    """The cache key of ``fn(*args, **kwargs)`` and the objects it pins (those keyed by identity)."""
    pins: list = []
    parts = [fingerprint(value, pins) for value in (*args, *(v for _, v in sorted(kwargs.items())))]
    names = tuple(sorted(kwargs))
    return (getattr(fn, "__module__", ""), getattr(fn, "__qualname__", repr(fn)), tuple(parts), names), tuple(pins)
