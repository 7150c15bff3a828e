"""Progress of a long workflow: a management command shows a bar, a worker logs every ~10%."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Protocol

logger = logging.getLogger(__name__)


class Reporter(Protocol):
    def start(self, total: int, description: str) -> None: ...
    def advance(self, steps: int = 1) -> None: ...
    def close(self) -> None: ...


class LogReporter:
    """Logs at every tenth of the way, so a run's log lines show how far it got."""

    def __init__(self) -> None:
        self.total = self.done = self.next_mark = 0
        self.description = ""

    def start(self, total: int, description: str) -> None:
        self.total, self.done, self.description = total, 0, description
        self.next_mark = max(1, total // 10)

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self.total and self.done >= self.next_mark:
            logger.info("%s: %d of %d", self.description, self.done, self.total)
            self.next_mark += max(1, self.total // 10)

    def close(self) -> None:
        pass


class TqdmReporter:
    def __init__(self) -> None:
        self.bar = None

    def start(self, total: int, description: str) -> None:
        from tqdm import tqdm

        self.close()
        self.bar = tqdm(total=total, desc=description, dynamic_ncols=True)

    def advance(self, steps: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(steps)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


_current: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("progress", default=None)


def current() -> Reporter:
    return _current.get() or LogReporter()


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        reporter.close()
        _current.reset(token)


@contextlib.contextmanager
def task(total: int, description: str) -> Iterator[Reporter]:
    reporter = current()
    reporter.start(total, description)
    try:
        yield reporter
    finally:
        if not isinstance(reporter, TqdmReporter):
            reporter.close()
