"""Workflows register here: each is a plain function behind one Celery task that records its runs.

    @workflow("ping", description="...")
    def ping(run: WorkflowRun, **inputs) -> dict: ...

The function receives the run row and the run's JSON inputs and returns a JSON summary of its outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import Task, shared_task

WorkflowFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Workflow:
    name: str
    function: WorkflowFunction
    queue: str
    description: str
    task: Task
    time_limit: int | None = None  # seconds; None: the default task limit
    exclusive: bool = True  # one run at a time (not for the chunks of a fanned-out workflow)

    @property
    def task_name(self) -> str:
        return self.task.name


_REGISTRY: dict[str, Workflow] = {}


def workflow(
    name: str, *, queue: str = "default", description: str = "", time_limit: int | None = None,
    exclusive: bool = True,
) -> Callable[[WorkflowFunction], WorkflowFunction]:
    """Register a workflow; `time_limit` (seconds) overrides the default task limits (the soft one a minute earlier)."""

    def register(function: WorkflowFunction) -> WorkflowFunction:
        from workflows.runner import execute

        limits = {} if time_limit is None else {"time_limit": time_limit, "soft_time_limit": max(1, time_limit - 60)}

        @shared_task(name=f"workflow.{name}", bind=True, acks_late=True, **limits)
        def task(self: Task, run_id: int | None = None, **inputs: Any) -> dict[str, Any] | None:
            return execute(_REGISTRY[name], run_id=run_id, inputs=inputs, request=self.request)

        if name in _REGISTRY and _REGISTRY[name].function is not function:
            raise ValueError(f"workflow {name!r} is registered twice")
        _REGISTRY[name] = Workflow(name, function, queue, description or (function.__doc__ or "").strip(), task,
                                   time_limit, exclusive)
        return function

    return register


def get(name: str) -> Workflow:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown workflow {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def all_workflows() -> list[Workflow]:
    return sorted(_REGISTRY.values(), key=lambda wf: wf.name)
