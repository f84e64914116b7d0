"""Blocking calls (database writes) off the event loop, in daemon threads.

``asyncio.to_thread`` runs in the default executor, whose threads the interpreter waits for at
exit: one write stuck on an unreachable database would hold up a stop for as long as the
driver's timeouts and retries last. A ``DaemonPool`` thread never does; a stop abandons it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

T = TypeVar("T")


class DaemonPool(Executor):
    """A fixed number of daemon threads running submitted calls in order."""

    def __init__(self, workers: int, name: str) -> None:
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        self._started = False
        self._closed = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            if not self._started:
                for thread in self._threads:
                    thread.start()
                self._started = True
        future: Future[T] = Future()
        self._work.put((future, lambda: fn(*args, **kwargs)))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more work; the threads end once idle (never waited for: they are daemons)."""
        with self._lock:
            self._closed = True
        for _ in self._threads:
            self._work.put(None)

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in one of the threads, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self, fn, *args)
