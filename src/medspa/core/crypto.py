"""Encryption at rest for sensitive columns (ID numbers): Fernet (AES-128-CBC + HMAC-SHA256)
with the key from ``FIELD_ENCRYPTION_KEY``; a keyed hash beside it finds duplicates without
decrypting. Without a configured key nothing sensitive can be stored (a clear error, never
plain text)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


def _key() -> str:
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set: sensitive fields cannot be stored")
    return str(key)


def encrypt(plain: str) -> str:
    """The token stored in the column; "" stays ""."""
    if not plain:
        return ""
    return _fernet(_key()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(_key()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY does not decrypt the stored value") from exc


def blind_index(plain: str) -> str:
    """A keyed SHA-256 of the normalised value, for equality lookups (duplicate ID numbers)."""
    if not plain:
        return ""
    secret = hashlib.sha256(b"medspa-blind-index:" + base64.urlsafe_b64decode(_key())).digest()
    return hmac.new(secret, plain.upper().encode(), hashlib.sha256).hexdigest()
