"""The trivial workflow: proves the database, the cache and the worker answer, and logs what it saw."""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from workflows.models import WorkflowRun
from workflows.registry import workflow

logger = logging.getLogger(__name__)


@workflow("ping", description="Check that the worker reaches the database and the cache.")
def ping(run: WorkflowRun, message: str = "pong") -> dict[str, Any]:
    logger.info("worker %s reached database %s", socket.gethostname(), connection.vendor)
    cache = caches["default"]
    key = f"workflows:ping:{run.pk}"
    cache.set(key, message, timeout=60)
    echoed = cache.get(key)
    if echoed != message:
        raise RuntimeError(f"the cache returned {echoed!r} instead of {message!r}")
    logger.info("cache %s answered %r", cache.__class__.__name__, echoed)
    return {"message": echoed, "database": connection.vendor, "cache": cache.__class__.__name__, "at": timezone.now()}
