"""Personnummer at rest: encrypted (Fernet) with a keyed hash beside it for look-ups.

A copied database file then reveals neither the numbers nor, without the key, a way to
test guesses against the hashes.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kundval-personal-id",
                info=purpose).derive(secret.encode())


class PersonalIdCipher:
    def __init__(self, secret: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, b"encrypt")))
        self._hash_key = _derive(secret, b"lookup-hash")

    def encrypt(self, personal_id: str) -> str:
        return self._fernet.encrypt(personal_id.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def lookup_hash(self, personal_id: str) -> str:
        return hmac.new(self._hash_key, personal_id.encode(), hashlib.sha256).hexdigest()


_cipher: PersonalIdCipher | None = None


def configure(secret: str) -> None:
    """Called by create_app() with PERSONAL_ID_KEY."""
    global _cipher
    _cipher = PersonalIdCipher(secret)


def cipher() -> PersonalIdCipher:
    if _cipher is None:
        raise RuntimeError("personal data cipher is not configured; call configure() first")
    return _cipher
