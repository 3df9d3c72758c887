"""The Celery app for benchmark workers: ``workers.app`` with stage timers wrapped
around the seams of bulk issuing and batch verification, so that product code carries
no benchmark logging. Each timed call logs ``timing <stage> <seconds>``, which
bench/credentials.py sums per stage.

Run as ``celery -A bench.timed_worker worker ...`` (bench/credentials.py does)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from pdhub.credentials import issuing, status
from pdhub.verification import batches
from workers.app import celery, flask_app

log = logging.getLogger("bench.timing")


def _timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            log.warning("timing %s %.4f", stage, time.perf_counter() - began)

    return wrapper


# Bulk issuing: the whole chunk, the status-list slots, and each credential signed
# (the load and insert share is the chunk less those two).
issuing.issue_many = _timed("issue.chunk", issuing.issue_many)
status.allocate_many = _timed("issue.allocate", status.allocate_many)
issuing.Issuer.build = _timed("issue.sign", issuing.Issuer.build)  # type: ignore[method-assign]
# Batch verification: the whole chunk and each item verified.
batches.verify_chunk = _timed("batch.chunk", batches.verify_chunk)
batches._verify_item = _timed("batch.verify", batches._verify_item)

__all__ = ["celery", "flask_app"]
