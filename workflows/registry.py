"""Workflows register here: each is a plain function behind one Celery task that records its runs.

    @workflow("ping", description="...")
    def ping(run: WorkflowRun, **inputs) -> dict: ...

The function receives the run row and the run's JSON inputs and returns a JSON summary of its outputs.
"""

from __future__ import annotations

import inspect
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

    def check_inputs(self, inputs: dict[str, Any]) -> None:
        """ValueError naming what is unknown or missing, before a run is queued that could only fail."""
        parameters = list(inspect.signature(self.function).parameters.values())[1:]  # after `run`
        accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
        named = {p.name for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD}
        problems = []
        unknown = sorted(set(inputs) - named)
        if unknown and not accepts_any:
            problems.append(f"unknown input(s) {', '.join(unknown)}")
        missing = sorted(p.name for p in parameters
                         if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD
                         and p.name not in inputs)
        if missing:
            problems.append(f"missing input(s) {', '.join(missing)}")
        if problems:
            takes = ", ".join(sorted(named)) or "no inputs"
            raise ValueError(f"{self.name}: {'; '.join(problems)} (it takes: {takes})")


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
