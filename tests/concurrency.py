"""Real concurrency for the tests: calls that start together, each in its own thread with its own database
connection (PostgreSQL sees concurrent transactions). Used by every concurrency test of the project."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection


def run_together(calls: Sequence[Callable[[], Any]], *, timeout: float = 120) -> list[Any]:
    """Run the calls at once and return their results in order; a call that raised returns its exception
    (the test asserts on it)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # handed to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def run_parallel(n: int, target: Callable[[int], Any]) -> list[Any]:
    """`target(0)` ... `target(n - 1)` at once (run_together)."""
    return run_together([lambda i=i: target(i) for i in range(n)])
