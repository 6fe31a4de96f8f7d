"""Files chosen on an application that failed for another reason, held on the server for the session.

A browser forgets a chosen file when the form comes back with errors, so each file that
passed its own checks is kept under UPLOAD_DIR/held/<random id>/ and named in the signed
session cookie; the form shows it as already attached and uses it unless a new one is chosen.
"""
from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

from app.providers.documents import Upload

SESSION_KEY = "held_application_files"
MAX_AGE_SECONDS = 24 * 3600


def _folder(upload_dir: str, held_id: str) -> Path:
    return Path(upload_dir) / "held" / held_id


def held(session: dict, upload_dir: str) -> dict[str, str]:
    """kind -> file name of the files held for this session (those still on disk)."""
    info = session.get(SESSION_KEY) or {}
    held_id = info.get("id", "")
    if not held_id or not held_id.isalnum():
        return {}
    folder = _folder(upload_dir, held_id)
    return {kind: name for kind, name in (info.get("files") or {}).items() if (folder / kind).is_file()}


def hold(session: dict, upload_dir: str, uploads: list[Upload]) -> None:
    """Keep these (already checked) uploads for the session, replacing earlier ones of the same kind."""
    if not uploads:
        return
    info = dict(session.get(SESSION_KEY) or {})
    held_id = info.get("id") if str(info.get("id", "")).isalnum() else None
    held_id = held_id or secrets.token_hex(16)
    folder = _folder(upload_dir, held_id)
    folder.mkdir(parents=True, exist_ok=True)
    files = dict(info.get("files") or {})
    for upload in uploads:
        (folder / upload.kind).write_bytes(upload.data)
        files[upload.kind] = Path(upload.filename).name[:200]
    (folder / "names.json").write_text(json.dumps(files), encoding="utf-8")
    session[SESSION_KEY] = {"id": held_id, "files": files}
    _forget_old(upload_dir)


def take(session: dict, upload_dir: str, kind: str, expires_on) -> Upload | None:
    """The held upload of `kind` (with the expiry date given now), or None."""
    name = held(session, upload_dir).get(kind)
    if name is None:
        return None
    data = (_folder(upload_dir, session[SESSION_KEY]["id"]) / kind).read_bytes()
    return Upload(kind=kind, filename=name, data=data, expires_on=expires_on)


def release(session: dict, upload_dir: str) -> None:
    """Forget the held files (the application was stored, with its own copies)."""
    info = session.pop(SESSION_KEY, None) or {}
    held_id = str(info.get("id", ""))
    if held_id.isalnum():
        shutil.rmtree(_folder(upload_dir, held_id), ignore_errors=True)


def _forget_old(upload_dir: str) -> None:
    """Held files of sessions that never came back are removed after a day."""
    root = Path(upload_dir) / "held"
    cutoff = time.time() - MAX_AGE_SECONDS
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
