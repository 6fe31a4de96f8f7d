"""How large a request may be: MAX_CONTENT_LENGTH for pages and uploads, less for the API, a little
more for the provider application with its four documents. Larger requests get 413 unread."""
from __future__ import annotations

from flask import Flask, current_app, request

MB = 1024 * 1024


def init_app(app: Flask) -> None:
    """Registered before CSRFProtect, whose check is the first to read a form."""

    @app.before_request
    def _limit_request_size() -> None:
        config = current_app.config
        if request.path.startswith("/api/"):
            request.max_content_length = config["API_MAX_CONTENT_LENGTH"]
        elif request.endpoint in config["LARGER_UPLOADS"]:
            request.max_content_length = config["LARGER_UPLOADS"][request.endpoint]
