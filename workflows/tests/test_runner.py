"""The runner records every run: inputs, outputs, log lines, failures; a run is never executed twice."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import transaction

from workflows import registry
from workflows.models import WorkflowRun
from workflows.runner import execute

pytestmark = pytest.mark.django_db
log = logging.getLogger("workflows.tests.sample")


@registry.workflow("test_echo", description="Echo the inputs (tests only).")
def echo(run: WorkflowRun, value: int = 0, fail: bool = False) -> dict[str, Any]:
    log.info("echoing %s", value)
    with transaction.atomic():
        log.info("inside a transaction")  # buffered, written once the transaction is over
        if fail:
            raise ValueError(f"asked to fail with {value}")
    return {"value": value, "doubled": value * 2}


def test_a_scheduled_run_records_inputs_outputs_and_log_lines():
    execute(registry.get("test_echo"), run_id=None, inputs={"value": 21})
    run = WorkflowRun.objects.get(workflow="test_echo")
    assert run.trigger == WorkflowRun.Trigger.SCHEDULED
    assert run.status == WorkflowRun.Status.SUCCEEDED
    assert run.inputs == {"value": 21} and run.outputs == {"value": 21, "doubled": 42}
    assert run.started_at <= run.finished_at
    messages = list(run.log_lines.values_list("message", flat=True))
    assert "echoing 21" in messages and "inside a transaction" in messages
    assert messages[0].startswith("test_echo started") and messages[-1] == "test_echo succeeded"


def test_a_failing_run_keeps_its_error_and_the_log_lines_written_before_the_rollback():
    execute(registry.get("test_echo"), run_id=None, inputs={"value": 7, "fail": True})
    run = WorkflowRun.objects.get(workflow="test_echo")
    assert run.status == WorkflowRun.Status.FAILED
    assert run.error == "ValueError: asked to fail with 7"
    lines = list(run.log_lines.values_list("level", "message"))
    assert ("INFO", "inside a transaction") in lines
    assert any(level == "ERROR" and "Traceback" in message for level, message in lines)


def test_a_manual_run_is_claimed_once_even_when_its_message_is_delivered_twice():
    run = WorkflowRun.objects.create(workflow="test_echo", trigger=WorkflowRun.Trigger.MANUAL, inputs={"value": 1})
    first = execute(registry.get("test_echo"), run_id=run.pk, inputs={"value": 1})
    second = execute(registry.get("test_echo"), run_id=run.pk, inputs={"value": 1})
    assert first == {"run_id": run.pk, "status": "succeeded"}
    assert second is None
    assert WorkflowRun.objects.count() == 1
    assert WorkflowRun.objects.get().log_lines.filter(message="echoing 1").count() == 1


def test_a_run_whose_row_is_gone_is_skipped_quietly():
    assert execute(registry.get("test_echo"), run_id=987654, inputs={}) is None
    assert not WorkflowRun.objects.exists()


def test_the_ping_workflow_round_trips_the_cache():
    execute(registry.get("ping"), run_id=None, inputs={"message": "hello"})
    run = WorkflowRun.objects.get(workflow="ping")
    assert run.status == WorkflowRun.Status.SUCCEEDED, run.error
    assert run.outputs["message"] == "hello"


def test_an_unknown_workflow_is_named_in_the_error():
    with pytest.raises(KeyError, match="unknown workflow 'nope'.*ping"):
        registry.get("nope")
