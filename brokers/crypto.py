"""Encryption at rest for broker credentials (Fernet; the first of CREDENTIALS_KEYS encrypts)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsError(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.CREDENTIALS_KEYS])


def encrypt(credentials: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsError(
            "broker credentials cannot be decrypted: CREDENTIALS_KEY does not hold the key they were saved with"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the first (newest) key; older keys must still be listed after it."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise CredentialsError("broker credentials cannot be decrypted with any CREDENTIALS_KEY") from None
