"""The GitHub Actions workflow is valid (the workflow schema vendored in check-jsonschema) and runs what CI must."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "ci.yml"


def test_the_workflow_validates_against_the_github_workflow_schema():
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_tests_on_both_backends_builds_the_image_and_checks_the_compose_file():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    test_steps = jobs["test"]["steps"]
    make_test = [step for step in test_steps if step.get("run") == "make test"]
    assert len(make_test) == 2 and "DATABASE_URL" in make_test[1]["env"] and "REDIS_URL" in make_test[1]["env"]
    assert {"mysql", "redis"} <= set(jobs["test"]["services"])
    image_steps = " ".join(step.get("run", "") for step in jobs["image"]["steps"])
    assert "docker build" in image_steps and "docker compose config" in image_steps
