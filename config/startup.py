"""One-line start-up errors: a bad setting names its variable instead of printing a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from config.env import EnvError

T = TypeVar("T")


def or_exit(load: Callable[[], T]) -> T:
    try:
        return load()
    except EnvError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None
