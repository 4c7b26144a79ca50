"""Django settings for medspa, read from the environment.

Environment variables: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DEBUG,
MEDIA_ROOT, STATIC_ROOT, FIELD_ENCRYPTION_KEY, MEDSPA_VAR_DIR, MEDSPA_NODE_MODULES.
With DATABASE_URL unset the embedded SQLite database under ``var/`` is used.
"""

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("MEDSPA_VAR_DIR") or Path.cwd() / "var")


def _kept_secret(name: str, generate: Callable[[], str]) -> str:
    """``name`` from the environment, else a value generated once and kept under var/ (0600).
    Production sets both in the environment file (docs/deployment.md)."""
    key = os.environ.get(name)
    if key:
        return key
    path = VAR_DIR / name.lower()
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


SECRET_KEY = _kept_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Fernet key (32 url-safe base64 bytes) for ID numbers at rest: losing it loses them.
FIELD_ENCRYPTION_KEY = _kept_secret(
    "FIELD_ENCRYPTION_KEY", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "django_tasks_db",
    "crontask",
    "ninja",
    "medspa.core",
    "medspa.organization",
    "medspa.accounts",
    "medspa.audit",
    "medspa.configuration",
    "medspa.customers",
    "medspa.inventory",
    "medspa.catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "medspa.core.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "medspa.core.middleware.UnstorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "medspa.core.middleware.RequestContextMiddleware",
    "medspa.accounts.middleware.AccountSecurityMiddleware",
    "medspa.audit.middleware.DenialAuditMiddleware",
]

ROOT_URLCONF = "medspa.urls"
WSGI_APPLICATION = "medspa.wsgi.application"
ASGI_APPLICATION = "medspa.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medspa.core.context_processors.layout",
                "medspa.accounts.context_processors.branch",
                "medspa.accounts.security_context.watermark",
            ],
        },
    },
]

# Database: PostgreSQL through DATABASE_URL, else the embedded SQLite default under var/.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database file lives there
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "medspa.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Password rules come from the organisation's security policy (SEC-01).
AUTH_PASSWORD_VALIDATORS = [{"NAME": "medspa.accounts.validators.SecurityPolicyPasswordValidator"}]
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Internationalisation: English source strings, Simplified Chinese by default.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files: our own under static/, browser libraries from npm's node_modules (never copied
# into git), each package's distribution folder under a stable prefix.
NODE_MODULES = Path(os.environ.get("MEDSPA_NODE_MODULES") or PROJECT_DIR / "node_modules")
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
VENDOR_DIRS = {
    "htmx": "htmx.org/dist",
    "alpinejs": "alpinejs/dist",
    "tabler": "@tabler/core/dist",
    "tabler-icons": "@tabler/icons-webfont/dist",
    "echarts": "echarts/dist",
    "event-calendar": "@event-calendar/build/dist",
    "signature_pad": "signature_pad/dist",
    "tom-select": "tom-select/dist",
    "flatpickr": "flatpickr/dist",
}
STATICFILES_DIRS = [PACKAGE_DIR / "static"] + [
    (f"vendor/{prefix}", NODE_MODULES / subdir)
    for prefix, subdir in VENDOR_DIRS.items()
    if (NODE_MODULES / subdir).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the finders when no collectstatic was run (demo, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")

# Background work: Django's task framework with the database backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CRONTASK = {"LOCK_REFRESH_INTERVAL": 5}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# API tokens
API_TOKEN_DEFAULT_DAYS = 30
API_TOKEN_MAX_DAYS = 365
# Worker heartbeat older than this makes /healthz report the worker as down.
WORKER_HEARTBEAT_MAX_AGE = 60
WORKER_HEARTBEAT_INTERVAL = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "ERROR"}},
}
