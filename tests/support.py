"""Helpers for tests that start the project's own processes (manage.py, celery) as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# Variables a test sets itself; the caller's values must not leak into a start-up test.
CONFIG_VARIABLES = (
    "DEPLOYMENT", "SECRET_KEY", "CREDENTIALS_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DEBUG",
)


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    env.update(overrides)
    return env


def run_manage(*args: str, env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def child_database_url() -> str:
    """A DATABASE_URL pointing a child process at the database this test run uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "mysql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return f"mysql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    raise NotImplementedError(connection.vendor)
