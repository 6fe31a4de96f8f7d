"""Who may use a route, declared on the route itself; one place checks it per request."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user


def roles_required(*roles: str):
    """Only signed-in users with one of `roles`; anonymous users go to the login page."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_roles = tuple(roles)
        return wrapped

    return decorator


def login_required_any(view):
    """Any signed-in user, whatever the role (the start page, logout)."""
    from app.auth.models import ROLES

    return roles_required(*ROLES)(view)


def public(view):
    """Open to everyone (login page, provider application, health check)."""
    view.access_public = True
    return view


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (browsers read `\\` as `/` and drop tabs)."""
    if not target or "\\" in target or any(ch.isspace() or ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target
