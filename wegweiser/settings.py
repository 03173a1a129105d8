"""Wegweiser's one settings module, driven by environment variables (see docs/operations.md)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wegweiser.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

ENVIRONMENT = env_str("WEGWEISER_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured("WEGWEISER_ENV must be development, production or test")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")
DATA_DIR = Path(env_str("WEGWEISER_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production")
    SECRET_KEY = "development-only-key-never-used-in-production-" + "x" * 20  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "wegweiser.core",
    "wegweiser.accounts",
    "wegweiser.directory",
    "wegweiser.search",
    "wegweiser.site",
    "wegweiser.translations",
    "wegweiser.events",
    "wegweiser.opendata",
    "wegweiser.guide",
    "wegweiser.partners",
]

MIDDLEWARE = [
    "wegweiser.core.middleware.SecurityHeadersMiddleware",
    "wegweiser.opendata.ratelimit.ApiRateLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wegweiser.site.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wegweiser.accounts.middleware.SessionPolicyMiddleware",
    "wegweiser.accounts.middleware.SecondFactorMiddleware",
    "wegweiser.core.middleware.StaffNoStoreMiddleware",
]

ROOT_URLCONF = "wegweiser.urls"
WSGI_APPLICATION = "wegweiser.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wegweiser.core.context_processors.wegweiser",
            ],
        },
    },
]


# Database: embedded SQLite by default, PostgreSQL when DATABASE_URL says so.
def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Keep connections: opening one (and its PRAGMAs) per request is the costliest step.
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
            # timeout instead of failing with "database is locked" when a read turns into a write.
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-32000;"
            ),
        },
        "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
    }


DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"] = _sqlite(Path(DATABASES["default"]["NAME"]))
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": _sqlite(DATA_DIR / "wegweiser.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "directory:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Languages: the public interface ships these; content languages live in the database.
LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("tr", _("Turkish")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("vi", _("Vietnamese")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Berlin"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploads: refuse large bodies early; logos are checked again by their validators.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
LOGO_MAX_BYTES = 2 * 1024 * 1024

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
# Typeset brochures (named by the hash of their inputs) and their QR codes.
BROCHURE_DIR = Path(env_str("BROCHURE_DIR", str(DATA_DIR / "brochures")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Wegweiser <wegweiser@localhost>")

# Sessions and cookies.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The cookie lives as long as the idle timeout and is renewed on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("BEHIND_TLS_PROXY", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the host(s) in production")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Encryption of sensitive fields (TOTP secrets, later case notes); see core/crypto.py.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")

# Background work through Django's task API (django-tasks backport, database backend).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MAIL_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]  # seconds between attempts

# Authentication hardening (docs/security.md).
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5)
LOCKOUT_WINDOW_MINUTES = env_int("LOCKOUT_WINDOW_MINUTES", 30)
LOCKOUT_FAILURES_PER_ADDRESS = env_int("LOCKOUT_FAILURES_PER_ADDRESS", 30)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 60 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 10 * 60 * 60)
REAUTH_SECONDS = env_int("REAUTH_SECONDS", 10 * 60)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# The optional map of search results: no tiles unless configured (e.g.
# "https://tile.openstreetmap.org/{z}/{x}/{y}.png" with its attribution).
MAP_TILE_URL = env_str("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")

# Optional machine translation (off unless a provider is named): "deepl" or "libretranslate".
MACHINE_TRANSLATION_PROVIDER = env_str("MACHINE_TRANSLATION_PROVIDER")
MACHINE_TRANSLATION_URL = env_str("MACHINE_TRANSLATION_URL", "https://api-free.deepl.com")
MACHINE_TRANSLATION_API_KEY = env_str("MACHINE_TRANSLATION_API_KEY")
MACHINE_TRANSLATION_TIMEOUT = float(env_int("MACHINE_TRANSLATION_TIMEOUT", 15))
MACHINE_TRANSLATION_MONTHLY_CHARACTERS = env_int("MACHINE_TRANSLATION_MONTHLY_CHARACTERS", 500_000)

# How long an entry may go unverified before it counts as stale (days).
# Residents' messages: faster than this after the form was shown counts as a bot; at most
# FEEDBACK_PER_HOUR messages per address and hour.
FEEDBACK_MIN_SECONDS = env_int("FEEDBACK_MIN_SECONDS", 3)
FEEDBACK_PER_HOUR = env_int("FEEDBACK_PER_HOUR", 5)
INVITATION_DAYS = env_int("INVITATION_DAYS", 14)  # how long a partner's invitation link works
DEFAULT_REVIEW_INTERVAL_DAYS = env_int("DEFAULT_REVIEW_INTERVAL_DAYS", 182)
# Reminders list entries due within this many days; their "still current" links work this
# long; an entry unconfirmed this long after its due date is flagged on the public pages.
REVIEW_REMINDER_LEAD_DAYS = env_int("REVIEW_REMINDER_LEAD_DAYS", 14)
REVIEW_LINK_DAYS = env_int("REVIEW_LINK_DAYS", 30)
REVIEW_GRACE_DAYS = env_int("REVIEW_GRACE_DAYS", 60)
# Registrations for events are deleted this many days after the date they were for.
EVENT_REGISTRATION_RETENTION_DAYS = env_int("EVENT_REGISTRATION_RETENTION_DAYS", 30)
# Partner calendar feeds are fetched from public addresses only; tests allow loopback.
EVENT_FEED_ALLOW_PRIVATE = env_bool("EVENT_FEED_ALLOW_PRIVATE", False)

# Anonymous use of the open-data API: requests per window (seconds) per address; 0 = no limit.
API_RATE_LIMIT_REQUESTS = env_int("API_RATE_LIMIT_REQUESTS", 300)
API_RATE_LIMIT_WINDOW = env_int("API_RATE_LIMIT_WINDOW", 60)
# Largest file the staff import accepts (bytes), and the most a zip may unpack to.
HSDS_IMPORT_MAX_BYTES = env_int("HSDS_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
HSDS_IMPORT_MAX_UNPACKED_BYTES = env_int("HSDS_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
