"""Settings shared by every environment; values that differ come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .oidc import OIDC_BACKEND, oidc_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Return an environment variable read as a boolean ("1", "true", "yes", "on")."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment variable as a list of non-empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set the SECRET_KEY environment variable (or DEBUG=true).")
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "core",
    "plans",
    "kpis",
    "risks",
    "report",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed on the way out (the report's HTML is about 270 KB, 40 KB gzipped); static files
    # come compressed from WhiteNoise. Django pads the compressed body at random against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.sessions.SessionTimeoutMiddleware",
    "core.access.RoleRequiredMiddleware",
    "core.mfa.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout found while signing in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "torbay_improvement.urls"
WSGI_APPLICATION = "torbay_improvement.wsgi.application"
ASGI_APPLICATION = "torbay_improvement.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plans.context_processors.roles",
                "core.context_processors.support",
                "core.context_processors.audit_link",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Two writers on SQLite (two imports confirmed at once, a sign-in during an import) wait for each
# other instead of failing with "database is locked": WAL lets readers read while one writes, the
# busy timeout makes a writer wait, and IMMEDIATE takes the write lock when a transaction begins,
# not midway (where SQLite cannot wait and fails at once).
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    "transaction_mode": "IMMEDIATE",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache works on every app server without another service; the import preview is
# kept in it between the upload and the confirm request (see IMPORT_EXPORT_TMP_STORAGE_CLASS).
CACHES = {
    "default": {
        "BACKEND": "core.cache.DatabaseCache",
        "LOCATION": "django_cache",
        # Django's default (300) culls a third of the entries at random once passed: the report's parts,
        # the data versions and the import previews together pass it on a plan or two.
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in (the app's form and the admin's alike) before Django's own backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Single sign-on with the council's own accounts (OpenID Connect; Microsoft Entra ID and others): off
# unless OIDC_RP_CLIENT_ID is set. The OIDC_* settings come from settings/oidc.py; core/sso.py signs in.
_oidc = oidc_settings(os.environ)
globals().update(_oidc)
if _oidc["OIDC_ENABLED"]:
    AUTHENTICATION_BACKENDS.append(OIDC_BACKEND)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files the app writes (the committee papers, report.stored_papers): served only through the app's own
# signed-in views, never by the web server. Every app server and the worker must see the same folder.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"

# Background work (django-tasks, the backport of Django 6's django.tasks): queued in the database and
# run by `manage.py db_worker` (scripts/run.sh starts one; README's Deploying section has a unit).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions and cookies (Django's deployment checklist; production.py turns on the HTTPS-only parts).
SESSION_COOKIE_HTTPONLY = True
# A session ends 8 hours after signing in however busy (SESSION_COOKIE_AGE), and after
# SESSION_IDLE_TIMEOUT seconds unused (core.sessions).
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy: nothing from elsewhere, no inline scripts (charts draw from static JS).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # Signing out of a single sign-on session ends at the provider's logout page, if it has one.
        "form-action": ["'self'", *_oidc.get("OIDC_FORM_ACTION_ORIGINS", [])],
        "frame-ancestors": ["'none'"],
    }
}

# django-import-export: the upload waits for confirmation in the shared cache, not a local temp
# file, so preview and confirm may reach different app servers; only holders of the permission
# may import or export.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_USE_TRANSACTIONS = True

# Risk bands by score (probability x impact): inclusive upper bounds, shown on the register page.
RISK_BANDS = (
    ("low", "Low", 1, 4),
    ("medium", "Medium", 5, 12),
    ("high", "High", 15, 25),
)

# Sign-in lockout (django-axes). Two counters, each locking at AXES_FAILURE_LIMIT failures within the
# cool-off: one per username (one attacker guessing one person's password, from however many
# addresses) and one per client address (one address trying a few passwords on many usernames).
# A successful sign-in clears the counters it matches.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.signin.lockout_response"
# The client's address: REMOTE_ADDR unless told otherwise. Behind the HTTPS proxy, read the header
# the proxy sets (e.g. HTTP_X_FORWARDED_FOR,REMOTE_ADDR), or every person shares the proxy's address.
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(env_list("AXES_IPWARE_META_PRECEDENCE_ORDER", "REMOTE_ADDR"))
_proxy_count = os.environ.get("AXES_IPWARE_PROXY_COUNT", "").strip()
AXES_IPWARE_PROXY_COUNT = int(_proxy_count) if _proxy_count else None

# Two-step verification (django-otp: an authenticator app's 6-digit codes, and 10 recovery codes).
# Required for administrators; MFA_REQUIRED_FOR_ALL=true asks everyone who signs in with a password.
MFA_REQUIRED_FOR_ALL = env_bool("MFA_REQUIRED_FOR_ALL")
OTP_TOTP_ISSUER = "Improvement Tracker"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Who a person asks for help (a locked account, no role yet): shown on those pages, e.g. an address.
SUPPORT_CONTACT = os.environ.get("SUPPORT_CONTACT", "").strip()

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "improve-2021")

# Email (password reset, reminders), with Django's own setting names, from the environment.
# SMTP unless told otherwise; settings.dev prints emails to the console.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "improvement-tracker@localhost")
# Reminders (manage.py send_reminders): an owner is reminded when the round's deadline is this many days away
# or fewer, and every day after it. Links in emails start with SITE_URL (e.g. https://tracker.example.gov.uk).
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", "3"))
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
# A password reset link works once, for this long.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# A protective marking printed at the top of every page of the papers (e.g. OFFICIAL), if any.
PROTECTIVE_MARKING = os.environ.get("PROTECTIVE_MARKING", "").strip()
