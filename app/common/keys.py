"""The app's two secrets: from the environment, or made once at random in instance/.

SECRET_KEY signs the session cookies; PERSONAL_ID_KEY encrypts the personnummer and keys their
look-up hashes. Neither has a built-in value and one never stands in for the other. A key made
here is written to a private file (mode 600) that must be backed up with the database: without
PERSONAL_ID_KEY the stored personnummer can't be read.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

KEY_NAMES = ("SECRET_KEY", "PERSONAL_ID_KEY")


class MissingKey(RuntimeError):
    """A key is neither set nor can be made; the message names the variable."""


def key_file(instance_dir: str | Path, name: str) -> Path:
    return Path(instance_dir) / f"{name.lower()}.key"


def load_or_create(path: Path) -> str:
    """The key in `path`, made first if there is none. Several workers may start at once: each
    writes its own complete temporary file and links it into place, and whoever loses the race
    reads the winner's key, so no one ever reads a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another worker was first; its key is the one
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        raise MissingKey(f"{path} is empty")
    return key


def configure_keys(config: dict[str, Any], instance_dir: str | Path) -> None:
    """Fill SECRET_KEY and PERSONAL_ID_KEY in `config` from instance/ where the environment gave none;
    with KEYS_FROM_ENVIRONMENT set, refuse to start instead, naming the variable."""
    for name in KEY_NAMES:
        if config.get(name):
            continue
        if config.get("KEYS_FROM_ENVIRONMENT"):
            raise MissingKey(f"{name} is not set; set it in the environment (see docs/security.md)")
        try:
            config[name] = load_or_create(key_file(instance_dir, name))
        except OSError as exc:
            raise MissingKey(f"{name} is not set and {key_file(instance_dir, name)} could not be "
                             f"made ({exc.strerror}); set {name} in the environment") from None
