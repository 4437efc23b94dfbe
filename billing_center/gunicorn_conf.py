"""gunicorn's settings for the web process (scripts/entrypoint.sh passes `-c python:billing_center.gunicorn_conf`;
command-line options and GUNICORN_CMD_ARGS still override them).

The application is loaded once, in the master, before the workers are forked (`preload_app`), and the master
freezes what it loaded (`gc.freeze()`, just before each fork): Django's modules, URL patterns, models and
settings move to the collector's permanent generation. A worker's collector then never walks them again, so a
full collection during a request costs a pass over that request's objects, not over the whole application
(measured in BENCHMARKS.md, "History at scale": the admin's slowest requests were such pauses), and the frozen
pages are shared with the master instead of being copied when the collector touches them. Nothing connects to
the database or the broker at import, so nothing opened in the master is shared by the workers."""

from __future__ import annotations

import gc
from typing import Any

preload_app = True


def pre_fork(server: Any, worker: Any) -> None:
    gc.freeze()
