"""Security headers: a Content-Security-Policy without inline script, no framing, no caching of pages
with personal data, HSTS behind HTTPS."""
from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

# Documents rendered to PDF on the server, never served as pages.
DOCUMENTS = {"settlement/documents", "followup/report.html"}


def test_every_page_has_a_csp_without_inline_script_and_no_framing(client, auth):
    auth.login("admin")
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "'self'" in script_src and "'nonce-" in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_signed_in_pages_and_api_answers_are_never_cached(client, auth):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    auth.login("case_worker")
    assert client.get("/handlaggare/deltagare").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/placements").headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_when_cookies_are_secure(app):
    from app import create_app

    secure = create_app({**app.config, "SESSION_COOKIE_SECURE": True})
    try:
        assert secure.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        secure.extensions["db_engine"].dispose()


def test_a_nonce_is_new_for_each_response(client):
    first = client.get("/login").headers["Content-Security-Policy"]
    second = client.get("/login").headers["Content-Security-Policy"]
    assert first != second


def test_templates_have_no_inline_script_without_the_nonce_and_no_event_attributes():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        name = path.relative_to(ROOT / "templates").as_posix()
        if any(name.startswith(d) for d in DOCUMENTS):
            continue
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "csp_nonce()" not in tag:
                offenders.append(f"{name}: {tag}")
        offenders += [f"{name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{name}: style attribute" for _ in re.findall(r'\sstyle="', text)]
    assert not offenders, offenders


def test_static_scripts_exist_for_what_the_templates_load():
    for path in (ROOT / "templates").rglob("*.html"):
        for src in re.findall(r"filename='([^']+\.js)'", path.read_text()):
            assert (ROOT / "app" / "static" / src).is_file(), (path, src)
    assert Path(ROOT / "app" / "static" / "login-code.js").is_file()
