"""Shared fixtures. In CI (CI=true) a configured MySQL or Redis that does not answer fails the run."""

from __future__ import annotations

import os

import pytest
from django.conf import settings


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI", "").lower() != "true" or not settings.REDIS_URL:
        return
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise pytest.UsageError(f"REDIS_URL={settings.REDIS_URL} is configured but Redis does not answer: {exc}")


@pytest.fixture
def admin_user(db):  # type: ignore[no-untyped-def]
    from accounts.roles import ensure_users
    from django.contrib.auth import get_user_model

    ensure_users({"admin": "admin-pass-123", "test": "test-pass-123", "guest": "guest-pass-123"})
    return get_user_model().objects.get(username="admin")


@pytest.fixture
def role_users(admin_user):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return {name: User.objects.get(username=name) for name in ("admin", "test", "guest")}
