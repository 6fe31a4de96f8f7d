"""No built-in key: SECRET_KEY and PERSONAL_ID_KEY come from the environment or are made once at
random in instance/ (mode 600, safe when several workers start at once)."""
from __future__ import annotations

import multiprocessing
import stat

import pytest
from flask.sessions import SecureCookieSessionInterface

from app import create_app
from app.common.keys import MissingKey, key_file, load_or_create


def _app(tmp_path, database_url, **settings):
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "KEY_DIR": str(tmp_path / "keys"),
                       "SECRET_KEY": None, "PERSONAL_ID_KEY": None, **settings})


def test_without_keys_random_ones_are_made_once_in_private_files(tmp_path, database_url):
    first = _app(tmp_path, database_url)
    second = _app(tmp_path, database_url)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["PERSONAL_ID_KEY"] == second.config["PERSONAL_ID_KEY"]
    assert first.config["SECRET_KEY"] != first.config["PERSONAL_ID_KEY"]
    assert first.config["SECRET_KEY"] != "dev-secret-change-me" and len(first.config["SECRET_KEY"]) >= 48
    for name in ("SECRET_KEY", "PERSONAL_ID_KEY"):
        path = key_file(tmp_path / "keys", name)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text().strip() == first.config[name]
    for application in (first, second):
        application.extensions["db_engine"].dispose()


def test_personal_id_key_never_falls_back_to_secret_key(tmp_path, database_url):
    application = _app(tmp_path, database_url, SECRET_KEY="only-the-cookie-key")
    assert application.config["PERSONAL_ID_KEY"] not in (None, "", "only-the-cookie-key")
    application.extensions["db_engine"].dispose()


def test_with_keys_from_environment_required_the_app_refuses_to_start_naming_the_variable(tmp_path, database_url):
    with pytest.raises(MissingKey, match="SECRET_KEY"):
        _app(tmp_path, database_url, KEYS_FROM_ENVIRONMENT=True)
    with pytest.raises(MissingKey, match="PERSONAL_ID_KEY"):
        _app(tmp_path, database_url, KEYS_FROM_ENVIRONMENT=True, SECRET_KEY="set")
    assert not (tmp_path / "keys").exists()


def _read_key(path: str) -> str:
    from pathlib import Path

    return load_or_create(Path(path))


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    path = str(tmp_path / "race" / "secret_key.key")
    with multiprocessing.get_context("fork").Pool(6) as pool:
        keys = pool.map(_read_key, [path] * 24)
    assert len(set(keys)) == 1
    assert [p.name for p in (tmp_path / "race").iterdir()] == ["secret_key.key"]


def test_a_cookie_signed_with_the_old_built_in_key_opens_nothing(app, auth, tmp_path, database_url):
    admin = auth.user("admin")
    application = _app(tmp_path, database_url)
    forged = SecureCookieSessionInterface().get_signing_serializer(
        type("Old", (), {"secret_key": "dev-secret-change-me", "config": application.config})())
    client = application.test_client()
    client.set_cookie("session", forged.dumps({"_user_id": str(admin.id), "_fresh": True}))
    assert client.get("/admin/anvandare").status_code == 302  # to the login page
    application.extensions["db_engine"].dispose()
