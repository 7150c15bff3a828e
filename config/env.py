"""Typed readers for settings from the environment.

Every setting the project reads from the environment goes through these helpers, so a bad value
stops start-up with one line naming the variable instead of surfacing later as a strange error.
A secret may also come from a file: ``<NAME>_FILE`` names a file whose content is the value
(Docker and Kubernetes secrets mount that way).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class EnvError(ImproperlyConfigured):
    """A variable is missing or malformed; the message starts with the variable's name."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


def _raw(name: str) -> str | None:
    """The variable's value, or the content of the file <NAME>_FILE names; None when neither is set.

    An empty variable counts as unset, as it does for most tools that read the environment.
    """
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path is None:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise EnvError(f"{name}_FILE", f"cannot read {path!r} ({exc.strerror})") from exc


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_required(name: str, why: str) -> str:
    value = env_str(name)
    if value is None:
        raise EnvError(name, f"is required {why}")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(name, f"expected true/false, got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(name, f"expected an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise EnvError(name, f"must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default) or default
    if value not in choices:
        raise EnvError(name, f"expected one of {', '.join(sorted(choices))}, got {value!r}")
    return value


_DB_SCHEMES = {"sqlite", "mysql", "mysql2", "mariadb", "postgres", "postgresql", "pgsql"}


def env_database(name: str, default: str) -> dict[str, Any]:
    """Parse a database URL (sqlite:///path, mysql://user:pass@host:port/name)."""
    url = env_str(name, default) or default
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in _DB_SCHEMES:
        raise EnvError(name, f"expected a URL like mysql://user:password@host:3306/name, got scheme {scheme!r}")
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except (ValueError, TypeError) as exc:
        raise EnvError(name, f"cannot parse the URL ({exc})") from None
    if not config.get("NAME"):
        raise EnvError(name, "the URL names no database")
    if config["ENGINE"] == "django.db.backends.mysql":
        config.setdefault("OPTIONS", {}).update(
            {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    return config


def env_redis_url(name: str) -> str | None:
    url = env_str(name)
    if url is None:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise EnvError(name, f"expected redis://host:6379/0, got {url!r}")
    return url
