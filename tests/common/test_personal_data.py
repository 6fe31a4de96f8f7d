"""Personnummer at rest: encrypted, with a keyed hash for look-ups."""
from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken

from app.common import personal_data
from app.common.personal_data import PersonalIdCipher

PERSONAL_ID = "19850315-9645"


def test_encrypted_personal_id_decrypts_to_the_same_number():
    cipher = PersonalIdCipher("nyckel-ett")
    assert cipher.decrypt(cipher.encrypt(PERSONAL_ID)) == PERSONAL_ID


def test_ciphertext_contains_neither_the_number_nor_its_digits():
    token = PersonalIdCipher("nyckel-ett").encrypt(PERSONAL_ID)
    assert PERSONAL_ID not in token
    assert PERSONAL_ID.replace("-", "") not in token
    assert "19850315" not in token


def test_the_same_number_encrypts_differently_each_time():
    cipher = PersonalIdCipher("nyckel-ett")
    assert cipher.encrypt(PERSONAL_ID) != cipher.encrypt(PERSONAL_ID)


def test_another_key_cannot_decrypt():
    token = PersonalIdCipher("nyckel-ett").encrypt(PERSONAL_ID)
    with pytest.raises(InvalidToken):
        PersonalIdCipher("nyckel-tva").decrypt(token)


def test_lookup_hash_is_stable_for_the_same_key():
    assert (PersonalIdCipher("nyckel-ett").lookup_hash(PERSONAL_ID)
            == PersonalIdCipher("nyckel-ett").lookup_hash(PERSONAL_ID))


def test_lookup_hash_depends_on_the_key_and_the_number():
    first = PersonalIdCipher("nyckel-ett")
    assert first.lookup_hash(PERSONAL_ID) != PersonalIdCipher("nyckel-tva").lookup_hash(PERSONAL_ID)
    assert first.lookup_hash(PERSONAL_ID) != first.lookup_hash("19920826-4177")


def test_cipher_must_be_configured_before_use(monkeypatch):
    monkeypatch.setattr(personal_data, "_cipher", None)
    with pytest.raises(RuntimeError):
        personal_data.cipher()
    personal_data.configure("nyckel-ett")
    assert personal_data.cipher().lookup_hash(PERSONAL_ID) == (
        PersonalIdCipher("nyckel-ett").lookup_hash(PERSONAL_ID))
