"""The confirmation step before an action that can't be undone (approve, close, revoke, withdraw).

The form carries a required checkbox `confirm=yes` (templates/macros/confirm.html); it works
without JavaScript, and the server checks it too, since a browser can skip `required`.
"""
from __future__ import annotations

from flask import request


def confirmed() -> bool:
    return request.form.get("confirm") == "yes"
