"""Ceguan's one settings module, driven by ``CEGUAN_*`` environment variables.

Every variable is read through :mod:`ceguan.core.env` and documented in ``docs/configuration.md``.
SQLite under ``var/`` is the embedded default; set ``CEGUAN_DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from ceguan.core.env import database_from_url, env_bool, env_int, env_list, env_secret, env_str
from ceguan.hj212 import DEFAULT_MAX_FRAME_SIZE

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("CEGUAN_VAR_DIR", str(PACKAGE_DIR.parent / "var"))).resolve()

DEBUG = env_bool("CEGUAN_DEBUG", False)
SECRET_KEY = env_secret("CEGUAN_SECRET_KEY") or ""
if not SECRET_KEY:
    # Dev and test only: a per-checkout key kept under var/, never a constant in the code.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
    SECRET_KEY = _key_file.read_text(encoding="utf-8").strip()

ALLOWED_HOSTS = env_list("CEGUAN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CEGUAN_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ceguan.core",
    "ceguan.registry",
    "ceguan.telemetry",
    "ceguan.screening",
    "ceguan.targeting",
    "ceguan.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ceguan.core.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "ceguan.urls"
WSGI_APPLICATION = "ceguan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ceguan.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("CEGUAN_DATABASE_URL", f"sqlite:///{VAR_DIR / 'ceguan.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("CEGUAN_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

#: Failed logins allowed per user name and per address within the window before refusing.
LOGIN_MAX_FAILURES = env_int("CEGUAN_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("CEGUAN_LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)

#: A facility silent for longer than this is shown offline (an operating choice, not a rule).
TELEMETRY_OFFLINE_AFTER_MINUTES = env_int("CEGUAN_OFFLINE_AFTER_MINUTES", 60, minimum=1)

# The HJ 212 receiver's limits and pacing (ceguan/telemetry/receiver/policy.py; docs/receiver.md).
TELEMETRY_MAX_FRAME_BYTES = env_int("CEGUAN_MAX_FRAME_BYTES", DEFAULT_MAX_FRAME_SIZE, minimum=128)
TELEMETRY_IDLE_TIMEOUT_SECONDS = env_int("CEGUAN_IDLE_TIMEOUT_SECONDS", 300, minimum=1)
TELEMETRY_FRAME_TIMEOUT_SECONDS = env_int("CEGUAN_FRAME_TIMEOUT_SECONDS", 30, minimum=1)
TELEMETRY_MAX_FRAMES_PER_SECOND = env_int("CEGUAN_MAX_FRAMES_PER_SECOND", 50, minimum=1)
TELEMETRY_MAX_CONNECTIONS = env_int("CEGUAN_MAX_CONNECTIONS", 20000, minimum=1)
TELEMETRY_BATCH_MAX = env_int("CEGUAN_BATCH_MAX", 500, minimum=1)
TELEMETRY_BATCH_WAIT_MS = env_int("CEGUAN_BATCH_WAIT_MS", 20, minimum=0)
TELEMETRY_ACCEPT_MODBUS_CRC = env_bool("CEGUAN_ACCEPT_MODBUS_CRC", True)
TELEMETRY_AUTH_REFRESH_SECONDS = env_int("CEGUAN_AUTH_REFRESH_SECONDS", 60, minimum=1)
TELEMETRY_AUTH_MISS_SECONDS = env_int("CEGUAN_AUTH_MISS_SECONDS", 5, minimum=0)
TELEMETRY_COMMAND_POLL_SECONDS = env_int("CEGUAN_COMMAND_POLL_SECONDS", 5, minimum=1)
TELEMETRY_COMMAND_TIMEOUT_SECONDS = env_int("CEGUAN_COMMAND_TIMEOUT_SECONDS", 120, minimum=1)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SECURE = env_bool("CEGUAN_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("CEGUAN_SESSION_SECONDS", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders too, so a fresh checkout needs no collectstatic.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CEGUAN_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CEGUAN_LOG_LEVEL", "INFO")},
}
