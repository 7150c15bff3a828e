"""Bad configuration stops start-up with one line naming the variable; production settings pass --deploy."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.support import ROOT, clean_env, run_manage

PRODUCTION = {
    "DEPLOYMENT": "production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-tests-only",
    "CREDENTIALS_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "trading.example.com",
    "DATABASE_URL": "sqlite:////tmp/stocktrading-deploy-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize(
    ("env", "variable", "words"),
    [
        ({"DATABASE_URL": "mysq://root@localhost/test"}, "DATABASE_URL", "got scheme 'mysq'"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1:3306/"}, "DATABASE_URL", "names no database"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL", "expected a URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL", "expected redis://"),
        ({"DEBUG": "maybe"}, "DEBUG", "expected true/false"),
        ({"CREDENTIALS_KEY": "not-a-fernet-key"}, "CREDENTIALS_KEY", "Fernet key"),
        ({"DEPLOYMENT": "prod"}, "DEPLOYMENT", "expected one of embedded, production"),
        ({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY", "is required when DEPLOYMENT=production"),
        ({**PRODUCTION, "CREDENTIALS_KEY": ""}, "CREDENTIALS_KEY", "is required when DEPLOYMENT=production"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS", "is required"),
        ({**PRODUCTION, "DATABASE_URL": ""}, "DATABASE_URL", "is required"),
        ({**PRODUCTION, "REDIS_URL": ""}, "REDIS_URL", "is required"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY", "at least 32 characters"),
    ],
)
def test_a_bad_variable_stops_manage_py_with_one_line_naming_it(env, variable, words):
    result = run_manage("check", env=clean_env(**env))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"configuration error: {variable}: ") and words in lines[0]


def test_a_bad_variable_stops_a_celery_worker_with_one_line_too():
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "report"],
        cwd=ROOT, env=clean_env(DATABASE_URL="mysql://"), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL: the URL names no database"
    ]


def test_a_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s" * 50 + "\n")
    result = run_manage("check", env=clean_env(**{**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret_file)}))
    assert result.returncode == 0, result.stderr


def test_a_missing_secret_file_is_named():
    result = run_manage("check", env=clean_env(SECRET_KEY_FILE="/nonexistent/secret"))
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: SECRET_KEY_FILE: cannot read '/nonexistent/secret'")


def test_production_settings_pass_the_deploy_check_with_no_errors():
    result = run_manage("check", "--deploy", "--fail-level", "ERROR", env=clean_env(**PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERRORS" not in result.stdout + result.stderr
