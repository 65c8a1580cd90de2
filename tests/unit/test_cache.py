"""The shared result cache: one computation per distinct input across threads, bounded, exact."""

import threading
import time

import numpy as np
import pytest

from tlviz import cache


def test_single_flight_computes_once_for_many_threads():
    c = cache.SharedCache()
    calls = []
    barrier = threading.Barrier(20)

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return np.arange(3)

    results = []

    def worker():
        barrier.wait()
        results.append(c.get("k", compute))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(results) == 20 and all(r is results[0] for r in results)
    assert c.stats()["misses"] == 1 and c.stats()["hits"] == 19


def test_error_reaches_every_waiter_and_is_not_cached():
    c = cache.SharedCache()
    with pytest.raises(ZeroDivisionError):
        c.get("k", lambda: 1 / 0)
    assert c.get("k", lambda: 5) == 5


def test_bounded_by_entries_and_bytes_lru_first():
    c = cache.SharedCache(max_entries=2, max_bytes=10_000)
    c.get("a", lambda: 1)
    c.get("b", lambda: 2)
    c.get("a", lambda: 1)  # a is now the most recent
    c.get("c", lambda: 3)
    assert c.get("b", lambda: "recomputed") == "recomputed"  # b was evicted, not a
    big = cache.SharedCache(max_entries=100, max_bytes=8_000 * 3)
    for i in range(5):
        big.get(i, lambda: np.zeros(1000))  # 8,000 bytes each
    assert big.stats()["entries"] == 3 and big.stats()["bytes"] <= 24_000
    assert big.get("huge", lambda: np.zeros(10_000)).shape == (10_000,)  # too big to keep, still returned
    assert big.stats()["entries"] == 3


def test_keys_by_content_for_arrays_and_by_identity_for_models():
    def f(model, x):
        return model, x

    class Model:
        pass

    m1, m2 = Model(), Model()
    k1, pins1 = cache.call_key(f, (m1, np.arange(4)), {})
    k2, _ = cache.call_key(f, (m1, np.arange(4)), {})
    k3, _ = cache.call_key(f, (m2, np.arange(4)), {})
    k4, _ = cache.call_key(f, (m1, np.arange(4) + 1), {})
    k5, _ = cache.call_key(f, (m1, np.arange(4).astype(np.float32)), {})
    assert k1 == k2 and len({k1, k3, k4, k5}) == 4
    assert pins1 == (m1,)  # the entry holds the model, so its id cannot be reused while cached
    assert cache.call_key(f, ("a",), {"top_k": 5})[0] != cache.call_key(f, ("a",), {"top_k": 3})[0]


def test_a_cached_result_equals_an_uncached_call():
    from tlviz import attention

    dec, enc = np.array([10.0, 5, 10]), np.array([[0.0, 1, 1], [5, 0, 1], [1, 1, 0], [0, 5, 1]])
    c = cache.SharedCache()
    key, pins = cache.call_key(attention.worked_example, (dec, enc), {})
    cached = c.get(key, lambda: attention.worked_example(dec, enc), pins)
    again = c.get(key, lambda: pytest.fail("must not recompute"), pins)
    fresh = attention.worked_example(dec, enc)
    assert again is cached
    for name in ("scores", "weights", "weighted", "context"):
        np.testing.assert_array_equal(getattr(cached, name), getattr(fresh, name))


def test_size_of_counts_buffers():
    assert cache.size_of(np.zeros(100)) == 800
    assert cache.size_of({"a": np.zeros(10), "b": [np.zeros(5)]}) >= 120


def test_size_of_a_figure_counts_more_than_its_data():
    import plotly.graph_objects as go

    z = np.zeros((20, 20))
    fig = go.Figure(go.Heatmap(z=z))
    assert cache.size_of(fig) >= cache.FIGURE_OVERHEAD * z.nbytes


def test_a_page_function_redefined_by_a_rerun_keeps_its_key():
    source = "def build(x):\n    return x + 1\n"
    first, second = {}, {}
    exec(compile(source, "lessons/some_page.py", "exec"), first)
    exec(compile(source, "lessons/some_page.py", "exec"), second)
    assert first["build"] is not second["build"]
    assert cache.fingerprint(first["build"]) == cache.fingerprint(second["build"])
    other = {}
    exec(compile(source, "lessons/other_page.py", "exec"), other)
    assert cache.fingerprint(other["build"]) != cache.fingerprint(first["build"])
    assert cache.fingerprint(lambda x: x)[0] == "object"  # a lambda or closure: by identity, never shared by name
