"""Calls from a lower area up to a higher one, provided at app creation (create_app()).

Imports point down the layers of docs/architecture.md. Where a lower area must still ask a higher
one (is this offering used by a placement? is this month settled?), the lower area declares a
Hook and the higher one provides it in create_app(). A hook nobody provided is an error, never a
silent default: a missing late-change rule must not let a settled month change unnoticed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Hook(Generic[F]):
    """One named call point; `provide()` sets what it calls (the last one provided wins)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._target: F | None = None

    def provide(self, target: F) -> None:
        self._target = target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._target is None:
            raise RuntimeError(f"hook {self.name!r} was not provided: create_app() provides it")
        return self._target(*args, **kwargs)
