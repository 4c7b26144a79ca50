"""Fast settings for the test suite (PostgreSQL when DATABASE_URL is set, else SQLite)."""

import os
from pathlib import Path

_root = Path(__file__).resolve().parent.parent
os.environ.setdefault("SECRET_KEY", "medspa-tests-only-not-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bWVkc3BhLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXk=")  # tests only
os.environ.setdefault("MEDSPA_VAR_DIR", str(_root / "var" / "test"))

from medspa.settings import *  # noqa: E402, F403
from medspa.settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LANGUAGE_CODE = "zh-hans"

# MEDSPA_TEST_SLOT lets several test runs share a machine, each with its own test database.
_slot = os.environ.get("MEDSPA_TEST_SLOT", "")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: the worker test runs a second process against the same database.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test{_slot}.sqlite3")}
elif _slot:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{_slot}"}
