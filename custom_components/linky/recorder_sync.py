"""Wait until the recorder has run, and committed, every task queued so far.

``Recorder.async_block_till_done`` returns at once when the recorder's queue is empty, which it
already is while the recorder thread works on the last task it took (our statistics import).
Home Assistant's own way to wait is its internal ``recorder.tasks.SynchronizeTask(future)``,
queued behind the imports (tasks run one at a time, in order; each import commits on its own).
That class is not a public API (its fields already changed once), so it is used only when it
still has the shape relied on here (one ``future`` field); otherwise the public path is taken:
``Recorder.async_clear_statistics([], on_done=...)``, a no-op task with a completion callback,
queued and run in order like any other task (the importer already uses it to rebuild).
"""

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance

_LOGGER = logging.getLogger(__name__)

SYNCHRONIZE_TASK_FIELDS = ("future",)
"""The fields `SynchronizeTask` is expected to have (checked before use)."""


@cache
def synchronize_task() -> Callable[[asyncio.Future[None]], Any] | None:
    """Return Home Assistant's ``SynchronizeTask`` class if it has the expected shape, else None.

    Checked once: a dataclass deriving from ``RecorderTask`` whose only field is ``future``.
    """
    tasks: Any
    try:
        from homeassistant.components.recorder import tasks  # noqa: PLC0415
    except ImportError:
        tasks = None
    candidate: Any = getattr(tasks, "SynchronizeTask", None)
    base: Any = getattr(tasks, "RecorderTask", None)
    if candidate is None or base is None:
        reason = "it is gone"
    elif not (isinstance(candidate, type) and issubclass(candidate, base)):
        reason = "it is no longer a recorder task"
    elif not dataclasses.is_dataclass(candidate):
        reason = "it is no longer a dataclass"
    elif (
        fields := tuple(field.name for field in dataclasses.fields(candidate))
    ) != SYNCHRONIZE_TASK_FIELDS:
        reason = f"its fields are now {fields}"
    else:
        task: Callable[[asyncio.Future[None]], Any] = candidate
        return task
    _LOGGER.debug(
        "homeassistant.components.recorder.tasks.SynchronizeTask cannot be used (%s): "
        "waiting for the recorder with a no-op statistics task instead",
        reason,
    )
    return None


async def async_wait_committed(hass: HomeAssistant) -> None:
    """Return once the recorder has run every task queued before this call.

    Statistics imported with ``async_add_external_statistics`` before the call are committed
    (and readable from any session) when it returns.
    """
    instance = get_instance(hass)
    if (task := synchronize_task()) is not None:
        future: asyncio.Future[None] = hass.loop.create_future()
        instance.queue_task(task(future))
        await future
        return
    done = asyncio.Event()

    def _done() -> None:  # in the recorder's thread
        hass.loop.call_soon_threadsafe(done.set)

    instance.async_clear_statistics([], on_done=_done)
    await done.wait()
