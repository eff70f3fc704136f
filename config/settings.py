"""Settings for the survey platform, read from the environment.

With nothing set, the platform runs on an embedded default that needs no
server: SQLite under var/, a Celery broker on the file system and e-mail
written to var/outbox. Setting DATABASE_URL, REDIS_URL and EMAIL_HOST switches
each integration to its real server; PLATFORM_ENV=production adds the checks
and hardening of a deployment. Every variable is listed in the README.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import parse_qsl

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from operations.secret_key import DEVELOPMENT_SECRET_KEY, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PLATFORM_ENV = os.environ.get("PLATFORM_ENV", "development")
if PLATFORM_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PLATFORM_ENV must be 'development' or 'production'.")
PRODUCTION = PLATFORM_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("Refusing to start: DEBUG is on with PLATFORM_ENV=production.")
    if problem := secret_key_problem(SECRET_KEY, base_dir=BASE_DIR):
        raise ImproperlyConfigured(
            f"Refusing to start: {problem} Set SECRET_KEY to a long random value with PLATFORM_ENV=production "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address respondents and staff reach the platform at; used in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.StaffAdminConfig",  # django.contrib.admin with access decided by municipalities.access
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
    "csp",
    "operations",
    "privacy",
    "municipalities",
    "surveys",
    "reminders",
    "studio",
    "demo",
]

MIDDLEWARE = [
    # The request log is the outermost: it times everything and sees every status
    # (operations/, docs/operations.md "Health and logs").
    "operations.request_log.RequestLogMiddleware",
    # REMOTE_ADDR from X-Forwarded-For of TRUSTED_PROXIES only ("Deployment").
    "operations.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: the design studio answers htmx requests with the fragment they replace.
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_EMBEDDED_DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _EMBEDDED_DATABASE_URL), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite serialises writers; waiting beats failing when the worker writes too.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A connection kept from an earlier request is checked before the next one uses it, so
    # after a database restart a process reconnects by itself instead of failing one request
    # per connection (docs/operations.md, "Faults"). The backend is Django's, with a check that
    # looks at the socket instead of sending a query (operations/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "operations.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The respondent's most frequent statements run prepared (surveys/fastpath/statements.py): psycopg prepares a
    # statement that a server-binding cursor sends from its first run. Django's own cursors bind
    # on the client and are never prepared. Prepared statements live in a server session, so a
    # pooler between the platform and PostgreSQL must pool sessions, not transactions.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses sign-ins from a locked-out username and address.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "municipalities.access.RoleBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "staff-home"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Front-end packages come from npm (package.json) and are served by the app itself.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
]
# Files the app writes (analysis exports); on several machines, a shared folder or another storage.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served directly: downloads go through views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Outside production WhiteNoise serves straight from the source folders, so no
# collectstatic is needed to develop or test.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Redis away is a cache miss, not an error (operations/cache.py; docs/operations.md, "Faults");
    # the timeouts bound what a hung Redis costs a request.
    CACHES = {
        "default": {
            "BACKEND": "operations.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: Redis when REDIS_URL (or CELERY_BROKER_URL) is set, otherwise kombu's
# file-system transport, which needs no server and survives restarts.
_BROKER_FOLDER = VAR_DIR / "celery" / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in (_BROKER_FOLDER, VAR_DIR / "celery" / "results", VAR_DIR / "celery" / "control"):
        folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_FOLDER),
        "data_folder_out": str(_BROKER_FOLDER),
        # Broadcast messages (worker control) would otherwise land in ./control.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Without timeouts a publish to a hung Redis waits forever; with them, and one retry, a
    # publish gives up within a few seconds (a stopped Redis: 0.2 s) and the task is kept in
    # the outbox (operations/outbox.py; docs/operations.md, "Faults"). An unacknowledged task
    # of a killed worker comes back after the visibility timeout (kombu's default, an hour);
    # reports and exports stuck before that are picked up by beat (surveys.analytics.jobs_resume).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
# The default retries three times; a web request waits for them.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A receipt is written to the outbox with its submission: this is the most it waits for a worker.
OUTBOX_RESEND_SECONDS = 10
# Everything beat runs, in one place. django-celery-beat's DatabaseScheduler writes these entries
# into its tables (by name) each time beat starts, where an admin can see them and pause one; a
# change here reaches the database at beat's next start. (Before, five data migrations wrote them.)
CELERY_BEAT_SCHEDULE = {
    "Send due invitations and reminders": {
        "task": "reminders.dispatch_due",
        "schedule": datetime.timedelta(minutes=5),
    },
    "Queue the tasks waiting in the outbox (receipts; calls the broker could not take)": {
        "task": "operations.outbox_resend",
        "schedule": datetime.timedelta(seconds=OUTBOX_RESEND_SECONDS),
    },
    "Resume report and export builds a worker left behind": {
        "task": "surveys.analytics.jobs_resume",
        "schedule": datetime.timedelta(minutes=5),
    },
    "Erase expired contacts (retention rule)": {
        "task": "privacy.erase_expired_contacts",
        "schedule": crontab(minute="15", hour="3"),  # every night at 03:15 (CELERY_TIMEZONE)
    },
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# E-mail: a real SMTP server when EMAIL_HOST is set, otherwise files in var/outbox.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kommuneundersokelsen@example.no")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where respondents write for help (shown on the home page).
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "kommuneundersokelsen@example.no")

# Staff sign-in: a password, then a code from an authenticator app (django-otp; see
# accounts/). Five wrong passwords for one username from one address lock that pair out
# for AXES_COOLOFF_MINUTES; a staff session ends after STAFF_IDLE_MINUTES without a request.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Kommuneundersøkelsen"
STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
# Password sign-in (with the authenticator app): "everyone", or "superusers" when everyone
# else signs in through the identity provider and only a break-glass superuser keeps a password.
STAFF_PASSWORD_SIGN_IN = os.environ.get("STAFF_PASSWORD_SIGN_IN", "everyone")
if STAFF_PASSWORD_SIGN_IN not in {"everyone", "superusers"}:
    raise ImproperlyConfigured("STAFF_PASSWORD_SIGN_IN must be 'everyone' or 'superusers'.")

# --- Staff sign-in through the organisation's identity provider (OpenID Connect; accounts/oidc/) ---
# Off unless OIDC_ISSUER is set. The provider's endpoints come from its discovery document,
# fetched at the first sign-in (not here) and kept for an hour. The provider's MFA stands in
# for the authenticator app: an ID token must show it in `amr` or `acr` (OIDC_REQUIRE_*).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "") or (
    OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration" if OIDC_ISSUER else ""
)
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
# With a groups claim, every sign-in sets the role from the groups (see OIDC_GROUP_ROLES);
# without one, a newcomer waits for a survey admin to grant a role.
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "")
OIDC_REQUIRE_AMR = env_list("OIDC_REQUIRE_AMR", "mfa")
OIDC_REQUIRE_ACR = env_list("OIDC_REQUIRE_ACR", "")


def _group_roles(text: str) -> list[tuple[str, str]]:
    """`group=role` pairs; a role is survey_admin, analyst or regional_officer:<region code>, and
    a group ending in `*` passes what stands there on as the region code (`officer:*=regional_officer:*`)."""
    pairs = []
    for item in (part.strip() for part in text.split(",")):
        group, _sep, role = (piece.strip() for piece in item.partition("="))
        officer, _colon, region = role.partition(":")
        valid = role in {"survey_admin", "analyst"} or (officer == "regional_officer" and region)
        if not group or not valid or (region == "*") != group.endswith("*"):
            raise ImproperlyConfigured(
                f"OIDC_GROUP_ROLES: {item!r} is not group=survey_admin, group=analyst, group=regional_officer:<region "
                "code> or prefix*=regional_officer:*."
            )
        pairs.append((group, role))
    return pairs


OIDC_GROUP_ROLES = _group_roles(
    os.environ.get("OIDC_GROUP_ROLES", "survey-admin=survey_admin,analyst=analyst,officer:*=regional_officer:*")
)
# mozilla-django-oidc's settings: the authorization code flow with PKCE, state and nonce.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile email")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = dict(parse_qsl(os.environ.get("OIDC_AUTH_PARAMS", "")))
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "staff-oidc-callback"
if OIDC_ISSUER:
    if not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too.")
    if not (OIDC_REQUIRE_AMR or OIDC_REQUIRE_ACR):
        raise ImproperlyConfigured(
            "OIDC_ISSUER is set: set OIDC_REQUIRE_AMR or OIDC_REQUIRE_ACR to the values that show the provider's "
            "second factor (a sign-in through the provider is not asked for the authenticator app)."
        )
    if PRODUCTION and not OIDC_DISCOVERY_URL.startswith("https://"):
        raise ImproperlyConfigured("Refusing to start: the identity provider must be reached over https.")
    AUTHENTICATION_BACKENDS.append("accounts.oidc.backend.OidcBackend")

# Reminders: a failed send is tried again after REMINDERS_RETRY_SECONDS, doubling each
# time, up to REMINDERS_MAX_ATTEMPTS; a message handed to a worker is not handed out again
# for REMINDERS_LEASE_SECONDS (a worker that died leaves it to the next beat after that).
REMINDERS_RETRY_SECONDS = int(os.environ.get("REMINDERS_RETRY_SECONDS", "60"))
REMINDERS_MAX_ATTEMPTS = int(os.environ.get("REMINDERS_MAX_ATTEMPTS", "6"))
REMINDERS_LEASE_SECONDS = int(os.environ.get("REMINDERS_LEASE_SECONDS", "600"))

# A chief executive's link gives sections to colleagues, each of whom gets an e-mail from the
# platform: at most this many per link and per municipality in 24 hours.
DELEGATIONS_PER_LINK_PER_DAY = int(os.environ.get("DELEGATIONS_PER_LINK_PER_DAY", "10"))
DELEGATIONS_PER_MUNICIPALITY_PER_DAY = int(os.environ.get("DELEGATIONS_PER_MUNICIPALITY_PER_DAY", "25"))

# The respondent's fast path (surveys/fastpath/): hand-written SQL, a signed ticket, a process's
# own memory of frozen questionnaires and compiled forms. Off, every request takes the plain twins
# (the ORM and Django's templates); on SQLite they run regardless. The test command runs the
# respondent's tests both ways.
SURVEYS_FASTPATH = env_bool("SURVEYS_FASTPATH", default=True)

# Uploads (profiles and contacts as CSV or XLSX, questionnaires as XLSForm; operations/upload_limits.py):
# the file's size, what an .xlsx unpacks to, and the rows under the header of a profile or contact
# file and of each XLSForm sheet.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(2 * 1024 * 1024)))
UPLOAD_MAX_EXPANDED_BYTES = int(os.environ.get("UPLOAD_MAX_EXPANDED_BYTES", str(10 * 1024 * 1024)))
UPLOAD_MAX_ROWS = int(os.environ.get("UPLOAD_MAX_ROWS", "5000"))
UPLOAD_MAX_XLSFORM_ROWS = int(os.environ.get("UPLOAD_MAX_XLSFORM_ROWS", "1000"))
# A past round's data file (surveys/past_rounds): 443 rows by 300 variables is about 1.5 MB as .sav.
UPLOAD_MAX_PAST_ROUND_BYTES = int(os.environ.get("UPLOAD_MAX_PAST_ROUND_BYTES", str(20 * 1024 * 1024)))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Hardening (docs/operations.md, "Security headers") ---
# Cookies: never readable by scripts (autosave takes the CSRF token from the form),
# and over HTTPS only in production.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# A load balancer asks for /health/ over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy on every response (django-csp): nothing from another origin,
# no inline script and no inline style (the SVG charts use presentation attributes).
# A script that must be inline carries nonce="{{ request.csp_nonce }}"; the nonce is
# only put into the header on a page that used it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws its form icons as data: SVGs
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Deployment (docs/operations.md, "Deployment") ---
# Load balancers and proxies (addresses or networks) whose X-Forwarded-For is believed,
# so that REMOTE_ADDR is the respondent's address, not the balancer's.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# --- Health and logs (operations/, docs/operations.md, "Health and logs") ---
# One JSON object per line (LOG_FORMAT=text for a person at a terminal), with invitation
# tokens redacted by a filter on the handler, so from every logger. Celery workers use
# this too (config/celery.py), instead of their own format.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "operations.logging.TokenRedactionFilter"}},
    "formatters": {
        "json": {"()": "operations.logging.JsonFormatter"},
        "text": {"()": "operations.logging.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers would bypass the filter: everything goes through the root's.
        "django": {"level": "INFO", "propagate": True},
        # runserver's access line; the request log says the same with more fields.
        "django.server": {"level": "WARNING", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # "Task ... succeeded: <return value>"; operations.task logs each run without it.
        "celery.app.trace": {"level": "WARNING"},
        # A line per PDF page and layout step: noise at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Backup and restore (operations/) and personal data (privacy/); see docs/operations.md. A contact
# nobody has changed, invited or reminded for CONTACT_RETENTION_DAYS, in no open round, is erased.
CONTACT_RETENTION_DAYS = int(os.environ.get("CONTACT_RETENTION_DAYS", "730"))
