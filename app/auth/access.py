"""Who may use a route, declared on the route itself; one place checks it per request."""
from __future__ import annotations

from functools import wraps

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
