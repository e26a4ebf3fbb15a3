"""Kindred settings, read from environment variables.

With nothing set, Kindred runs on SQLite in the project folder ("check out and it
works"). Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and STATIC_ROOT.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from kindred.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Production turns on HTTPS-only cookies, HSTS and the SSL redirect, and forbids demo data.
PRODUCTION = env_bool("KINDRED_PRODUCTION", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = "kindred-insecure-development-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "kindred.accounts",
    "kindred.orgs",
    "kindred.audit",
    "kindred.people",
    "kindred.care",
    "kindred.consent",
    "kindred.referrals",
    "kindred.instruments",
    "kindred.surveys",
    "kindred.directory",
    "kindred.programs",
    "kindred.library",
    "kindred.networks",
    "kindred.forums",
    "kindred.competence",
    "kindred.reports",
    "kindred.retention",
    "kindred.scale",
    "kindred.imports",
]

MIDDLEWARE = [
    "kindred.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kindred.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kindred.orgs.middleware.ActiveMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kindred.security.SubmissionTokenMiddleware",
    "kindred.security.ApiRateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kindred.urls"
WSGI_APPLICATION = "kindred.wsgi.application"
ASGI_APPLICATION = "kindred.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kindred" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kindred.orgs.context_processors.active_membership",
                "kindred.orgs.context_processors.unread_notifications",
            ],
            # {% submission_token %} in every POST form, without a {% load %} (kindred/security.py).
            "builtins": ["kindred.security"],
        },
    },
]

# Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'kindred.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A persistent connection broken by a database restart is replaced before the request uses it,
        # instead of failing that request (bench/faults.py).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # Covering indexes (Index(include=...), e.g. the unit's episodes) are for PostgreSQL; SQLite builds them on
    # their key columns, as the warning says, and that is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for Kindred's connections (bench/run.py measures them at national scale; README
    # "Performance"). A DATABASE_URL with its own ?options= keeps them and adds these.
    # - JIT off unless PG_JIT=1: it costs seconds on the statistics queries (EXPLAIN ANALYZE: 6.8 s of JIT for a
    #   0.5 s query) and saves nothing on short queries.
    # - random_page_cost 1.1 (PG_RANDOM_PAGE_COST): the data is on SSD and mostly cached; with the default 4 the
    #   planner hashed whole tables instead of probing indexes for a unit's persons (API person list 290 -> 85 ms).
    # - No parallel workers per query (PG_PARALLEL_WORKERS, default 0): on a few cores shared with the app servers,
    #   parallel plans for many concurrent requests only add work (the same list 85 -> 78 ms, alone).
    planner = [
        f"-c random_page_cost={env_str('PG_RANDOM_PAGE_COST', '1.1')}",
        f"-c max_parallel_workers_per_gather={env_int('PG_PARALLEL_WORKERS', 0)}",
    ]
    if not env_bool("PG_JIT", False):
        planner.append("-c jit=off")
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join([options.get("options", ""), *planner]).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared state (cache, lockouts) lives in Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: a session ends after this many idle minutes. Requests renew it, in the database at most once per
# SESSION_RENEW_SECONDS (kindred.middleware.IdleSessionMiddleware), so it may end up to that much sooner.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_RENEW_SECONDS = env_int("SESSION_RENEW_SECONDS", 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failed logins (django-axes), per user name and IP address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "kindred.accounts.axes.username_from"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)

OTP_TOTP_ISSUER = "Kindred"

# API tokens
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
# A form sent twice runs once; the second copy is sent where the first went, for this many hours.
SUBMISSION_TOKEN_HOURS = env_int("SUBMISSION_TOKEN_HOURS", 24)

# Internationalisation: Norwegian Bokmål first, then Danish and English.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kindred" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Oslo")
USE_TZ = True
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Static files: served by WhiteNoise; hashed manifest when collected (STATIC_ROOT set).
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "kindred" / "static"]
_static_root = env_str("STATIC_ROOT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _static_root
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if _static_root:
    STATIC_ROOT = _static_root
else:
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = DEBUG

# Security headers. No inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
# Kindred uses none of these browser features; nothing embedded may use them either.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kindred@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

ADMIN_URL = env_str("ADMIN_URL", "django-admin/")
CHILDREN_QUESTION_DAYS = env_int("CHILDREN_QUESTION_DAYS", 7)
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 3)
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
CONSENT_EXPIRY_WARNING_DAYS = env_int("CONSENT_EXPIRY_WARNING_DAYS", 14)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Help offers shown after a self-test, until a help directory exists (a JSON file; see the default for its shape).
HELP_OFFERS_FILE = env_str("HELP_OFFERS_FILE", str(BASE_DIR / "kindred" / "instruments" / "help_offers.json"))
# The base of the canonical URLs in Kindred's FHIR resources (Questionnaire.url, code systems, fullUrls).
FHIR_CANONICAL_BASE = env_str("FHIR_CANONICAL_BASE", "https://kindred.example/fhir").rstrip("/")
# Statistics: counts from 1 up to this number minus one are hidden in reports (small-cell suppression).
STATS_SUPPRESSION_THRESHOLD = env_int("STATS_SUPPRESSION_THRESHOLD", 5)
# How long computed statistics are kept in the cache (seconds; 0 = always compute). See kindred/reports/kpis.py.
STATISTICS_CACHE_SECONDS = env_int("STATISTICS_CACHE_SECONDS", 300)
# How long a process reuses a public self-test's instrument row (0: fetch it for every answer).
PUBLIC_INSTRUMENT_CACHE_SECONDS = env_int("PUBLIC_INSTRUMENT_CACHE_SECONDS", 60)
# Public self-referral: how many requests one client address may send (django-ratelimit's "count/period").
SELF_REFERRAL_RATE = env_str("SELF_REFERRAL_RATE", "5/h")
# Public self-test: how many answers one client address may send (a school class may share one address).
SELF_TEST_RATE = env_str("SELF_TEST_RATE", "60/h")
# Login: attempts per client address, on top of django-axes' lockout per account and address.
LOGIN_RATE = env_str("LOGIN_RATE", "30/10m")
# API: requests per token (or logged-in user, or address without either), and per client address in all.
API_RATE = env_str("API_RATE", "300/m")
API_IP_RATE = env_str("API_IP_RATE", "600/m")
# Behind a reverse proxy, name the header that carries the client's address (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
# Text messages (programme reminders): a class with send(to, text); see kindred/messaging.py.
SMS_BACKEND = env_str("SMS_BACKEND", "kindred.messaging.ConsoleSMSBackend")
# Reminders go out this many hours before a programme session.
PROGRAMME_REMINDER_HOURS = env_int("PROGRAMME_REMINDER_HOURS", 24)
# Imports from spreadsheets: the largest file and number of rows, and how long an unimported file is kept.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 2 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 2000)
IMPORT_FILE_HOURS = env_int("IMPORT_FILE_HOURS", 24)
# Rows checked per step while the progress bar runs.
IMPORT_CHUNK_ROWS = env_int("IMPORT_CHUNK_ROWS", 200)
