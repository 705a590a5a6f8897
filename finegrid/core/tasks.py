"""The one seam for background work: register a task, enqueue it after the transaction commits.

Backends (FINEGRID_TASK_BACKEND): `immediate` runs the task in the caller's process right after
commit (tests, and the default until a worker runs); see docs/adr/0009-background-work.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
REGISTRY: dict[str, Callable[..., Any]] = {}


def task(name: str) -> Callable[[F], F]:
    """Register a function as a task under a stable name (kwargs must be JSON values)."""

    def register(func: F) -> F:
        if name in REGISTRY and REGISTRY[name] is not func:
            raise ValueError(f"task {name} is registered twice")
        REGISTRY[name] = func
        return func

    return register


def run_task(name: str, kwargs: dict[str, Any]) -> Any:
    return REGISTRY[name](**kwargs)


def enqueue(name: str, **kwargs: Any) -> None:
    """Run `name(**kwargs)` in the background once the current transaction commits."""
    if name not in REGISTRY:
        raise KeyError(f"unknown task {name}")
    transaction.on_commit(lambda: _dispatch(name, kwargs))


def _dispatch(name: str, kwargs: dict[str, Any]) -> None:
    backend = getattr(settings, "FINEGRID_TASK_BACKEND", "immediate")
    if backend == "immediate":
        try:
            run_task(name, kwargs)
        except Exception:
            # The caller's transaction has committed; a failed side effect must not undo it.
            log.exception("task %s failed", name)
        return
    raise NotImplementedError(backend)
