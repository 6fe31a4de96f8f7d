"""Who may use a route, declared on the route itself; one place checks it per request."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user

View = TypeVar("View", bound=Callable[..., Any])


def roles_required(*roles: str) -> Callable[[View], View]:
    """Only signed-in users with one of `roles`; anonymous users go to the login page.

    Typed as giving back the view's own type, so the type checker still sees each view's
    arguments and answer through the decorator."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def login_required_any(view: View) -> View:
    """Any signed-in user, whatever the role (the start page, logout)."""
    from app.auth.models import ROLES

    return roles_required(*ROLES)(view)


def public(view: View) -> View:
    """Open to everyone (login page, provider application, health check)."""
    view.access_public = True  # type: ignore[attr-defined]
    return view


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (browsers read `\\` as `/` and drop tabs)."""
    if not target or "\\" in target or any(ch.isspace() or ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target
