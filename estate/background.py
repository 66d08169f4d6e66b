"""Work done in a thread of its own and read, as it arrives, in the thread that owns the database connection.

A producer (a collector's event loop, a thread pool's results, a rules engine) runs in a worker thread and hands its
items over a queue; the reader takes them in batches: whatever has arrived, up to a size, waiting a little for more
if asked to. A bounded queue makes a fast producer wait for a slow reader, so memory stays bounded. An error in the
producer is raised in the reader's thread; a reader that stops early (an error of its own, a cancelled job) stops the
producer: its next ``emit()`` raises ``Stopped``, which unwinds it quietly.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

Emit = Callable[[Any], None]


class Stopped(Exception):  # noqa: N818 - not an error: the reader has gone
    """Raised by ``emit()`` once the reader has stopped: the producer should unwind and return."""


class _Failed:
    """The producer's exception, carried to the reader (an item may itself be an exception object)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def background_batches(produce: Callable[[Emit, threading.Event], None], *, name: str, max_batch: int,
                       max_wait: float = 0.0, maxsize: int = 0, poll: float = 1.0,
                       should_stop: Callable[[], bool] = lambda: False) -> Iterator[list[Any]]:
    """Run ``produce(emit, stop)`` in a thread named ``name``; yield what it emits in lists of up to ``max_batch``.

    A batch starts with the first item to arrive and takes what else has arrived, waiting up to ``max_wait`` seconds
    for more. ``maxsize`` bounds the queue (0: unbounded). Every ``poll`` seconds without an item, and after each
    batch, ``should_stop()`` is asked; when it says so, the reading ends (the producer is stopped)."""
    items: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def emit(item: Any) -> None:
        while True:
            if stop.is_set():
                raise Stopped
            try:
                items.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def worker() -> None:
        try:
            produce(emit, stop)
        except Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - raised again in the reader's thread
            items.put(_Failed(exc))
        finally:
            items.put(_END)

    thread = threading.Thread(target=worker, name=name, daemon=True)
    thread.start()
    try:
        finished = False
        while not finished:
            try:
                item = items.get(timeout=poll)
            except queue.Empty:
                if should_stop():
                    return
                continue
            batch: list[Any] = []
            deadline = time.monotonic() + max_wait
            while True:
                if item is _END:
                    finished = True
                    break
                if isinstance(item, _Failed):
                    raise item.error
                batch.append(item)
                if len(batch) >= max_batch:
                    break
                try:
                    left = deadline - time.monotonic()
                    item = items.get(timeout=left) if left > 0 else items.get_nowait()
                except queue.Empty:
                    break
            if batch:
                yield batch
            if should_stop():
                return
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue, let it close what it holds
            with contextlib.suppress(queue.Empty):
                items.get(timeout=0.1)
        thread.join()
