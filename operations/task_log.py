"""One log line per Celery task run (logger `operations.task`, event "task").

The line holds the task's name, id, state (SUCCESS, FAILURE, RETRY, ...), duration
in milliseconds, the number of retries so far, and the ids among its keyword
arguments (`survey_id`, `dispatch_id`, `invitation_id`, ...; a list of ids as its
length). Nothing else from the arguments, so no answer, token, address or message
text reaches the log; the return value is left out too.
"""

import logging
import time

from celery import signals

logger = logging.getLogger("operations.task")

_STARTED = "_operations_started"


def _id_fields(kwargs: dict | None) -> dict:
    fields = {}
    for key, value in (kwargs or {}).items():
        if key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
            fields[key] = value
        elif key.endswith("_ids") and isinstance(value, list | tuple | set):
            fields[key.removesuffix("_ids") + "_count"] = len(value)
    return fields


def _on_prerun(task_id=None, task=None, **_) -> None:
    setattr(task.request, _STARTED, time.perf_counter())


def _on_postrun(task_id=None, task=None, kwargs=None, state=None, **_) -> None:
    started = getattr(task.request, _STARTED, None)
    fields = {
        "event": "task",
        "task": task.name,
        "task_id": task_id,
        "state": state,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "retries": task.request.retries or 0,
        **_id_fields(kwargs),
    }
    level = logging.INFO if state == "SUCCESS" else logging.WARNING
    logger.log(level, "task %s %s", task.name, state, extra={k: v for k, v in fields.items() if v is not None})


def connect() -> None:
    """Called once from the app's ready(); weak=False keeps the receivers alive."""
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="operations.task_log.prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="operations.task_log.postrun")
