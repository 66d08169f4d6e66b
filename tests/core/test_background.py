"""estate/background.py: a producer in its own thread, read in batches; errors and early stops cross threads."""

from __future__ import annotations

import threading
import time

import pytest

from estate.background import background_batches


def _counting(n: int, produced: list[int], *, pause: float = 0.0):
    def produce(emit, _stop) -> None:
        for i in range(n):
            produced.append(i)
            emit(i)
            if pause:
                time.sleep(pause)
    return produce


def test_every_item_arrives_in_order_in_bounded_batches():
    produced: list[int] = []
    batches = list(background_batches(_counting(1000, produced), name="t", max_batch=64, maxsize=128))
    assert [i for batch in batches for i in batch] == list(range(1000))
    assert all(1 <= len(batch) <= 64 for batch in batches)


def test_a_batch_waits_for_more_only_when_asked():
    produced: list[int] = []
    quick = list(background_batches(_counting(6, produced, pause=0.05), name="t", max_batch=50))
    assert len(quick) >= 3  # takes what has arrived
    patient = list(background_batches(_counting(6, produced, pause=0.05), name="t", max_batch=50, max_wait=2.0))
    assert patient == [[0, 1, 2, 3, 4, 5]]  # waits (up to 2 s) for the batch to fill


def test_the_producers_error_is_raised_in_the_reader():
    def produce(emit, _stop) -> None:
        emit("first")
        raise ValueError("the collector broke")

    received = []
    with pytest.raises(ValueError, match="the collector broke"):
        for batch in background_batches(produce, name="t", max_batch=10):
            received.extend(batch)
    assert received in ([], ["first"])


def test_a_reader_that_stops_stops_the_producer_and_memory_stays_bounded():
    produced: list[int] = []
    stream = background_batches(_counting(1_000_000, produced), name="t", max_batch=10, maxsize=20)
    first = next(stream)
    time.sleep(0.3)  # the producer runs ahead until the queue is full, then waits
    assert len(produced) <= len(first) + 20 + 2
    stream.close()
    assert len(produced) < 100
    assert not any(t.name == "t" and t.is_alive() for t in threading.enumerate())


def test_should_stop_ends_the_reading_even_while_the_producer_is_silent():
    stop_reading = threading.Event()
    producer_saw_stop = threading.Event()

    def produce(emit, stop) -> None:
        emit(1)
        stop.wait(30)  # a collector waiting on the network
        producer_saw_stop.set()

    started = time.monotonic()
    for batch in background_batches(produce, name="t", max_batch=10, poll=0.1, should_stop=stop_reading.is_set):
        assert batch == [1]
        stop_reading.set()
    assert time.monotonic() - started < 5
    assert producer_saw_stop.is_set()
