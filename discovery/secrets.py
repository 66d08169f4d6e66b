"""Credential secrets at rest: authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) with a key list
from ESTATE_SECRETS_KEYS, separate from SECRET_KEY. The first key encrypts; all keys decrypt, so a new key can be
put first and `manage.py rotate_secrets_key` re-encrypts everything with it.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PLACEHOLDER = "********"  # what the UI and API show instead of a stored secret


class SecretsError(Exception):
    """A secret could not be decrypted: wrong or missing key."""


def _fernet() -> MultiFernet:
    keys = settings.ESTATE_SECRETS_KEYS
    if not keys:
        raise ImproperlyConfigured(
            "ESTATE_SECRETS_KEYS is not set: generate one with `python manage.py generate_secrets_key` "
            "(see docs/deployment.md)"
        )
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("ESTATE_SECRETS_KEYS holds an invalid Fernet key") from exc


def encrypt_secrets(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt_secrets(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretsError("stored secrets cannot be decrypted with ESTATE_SECRETS_KEYS") from exc


def rotate_token(token: str) -> str:
    return _fernet().rotate(token.encode()).decode() if token else token


def generate_key() -> str:
    return Fernet.generate_key().decode()
