"""Doctrina's settings: one module, every value read from the environment.

The README's "Configuration" table lists each variable. With DEBUG off (the
default) the secrets and hosts have no defaults: a missing one stops start-up
with a one-line message instead of running with an insecure fallback.
"""

import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)


def _refuse_to_start(variable: str, problem: str = "is not set (required when DEBUG is false") -> None:
    # A SystemExit with one line, not ImproperlyConfigured: an operator reads the
    # cause at once instead of a traceback wall from every process that imports us.
    sys.stderr.write(f"Doctrina cannot start: {variable} {problem}; see README).\n")
    raise SystemExit(1)


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        _refuse_to_start("SECRET_KEY")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        _refuse_to_start("ALLOWED_HOSTS")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the site's own page with a way back to it, never Django's (debug) text.
CSRF_FAILURE_VIEW = "lms.views.csrf_failure"

# The public origin used in links that leave the request (Stripe's success and
# cancel URLs, e-mails). Empty: build them from the request's host.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "lms.apps.DoctrinaAdminConfig",  # django.contrib.admin with a checked "view on site"
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "adminsortable2",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "lms",
    # Doctrina's apps, from the bottom layer up (README: "Map of the code").
    "courses",
    "notifications",
    "enrollments",
    "learning",
    "payments",
    "community",
    "teaching",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.ContentSecurityPolicyMiddleware",
    "lms.middleware.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.middleware.request_body_limit",  # before anything reads the body (CSRF's check does)
    "lms.middleware.AdminRefusesUnusableInput",  # NUL bytes, numbers beyond any id: a 400
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last: serves cached anonymous pages before the URL is resolved; private on whatever is someone's own.
    "lms.page_cache_middleware.PageCacheMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

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
                "notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: a request does not pay for a new connection.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A `SELECT 1` before a request's first query on a reused connection, so a
    # connection PostgreSQL dropped (a restart, a failover) is replaced instead of
    # failing that request. One round trip a request; off saves it (issue 13: measured).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    # psycopg 3 server-side prepared statements: a query run this many times on a
    # connection is prepared once and then only bound and executed. Needs server-side
    # parameter binding, and a direct connection or pgbouncer in session mode
    # (transaction mode breaks named prepared statements). Empty: off (Django's default
    # client-side binding). Measured in issue 13: see bench/results.md.
    if _prepare_threshold := env.str("DATABASE_PREPARE_THRESHOLD", default=""):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": int(_prepare_threshold)}
        )
    # PostgreSQL's JIT compiles a query it estimates costly before running it; for this
    # site's queries the compiling costs more than it saves (issue 13 measured 150–700 ms
    # of it on My learning, the teaching figures and the students CSV, whose queries
    # run in 1–15 ms). A connection option, not a statement: no query is added.
    # DATABASE_JIT=true leaves PostgreSQL's own setting.
    if not env.bool("DATABASE_JIT", default=False):
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions make concurrent writers queue instead of failing
    # with "database is locked" halfway through a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

# A streaming replica of the primary for the teaching analytics' aggregates (lms/db_routers.py);
# writes and every other read stay on "default". In tests it mirrors the test database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"].get("CONN_MAX_AGE", 0),
        "CONN_HEALTH_CHECKS": DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {})},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["lms.db_routers.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and e-mail -----------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://doctrina")}
if "redis" in CACHES["default"]["BACKEND"].lower():
    # Sessions read from the shared cache (one Redis GET instead of a database
    # query on every logged-in request), written through to the database so a
    # Redis restart logs nobody out. Not with the per-process locmem cache: a
    # session changed on one app server would be stale on another.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Doctrina <no-reply@doctrina.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background jobs (lms/jobs.py) -------------------------------------------------
# "database": jobs are rows written in the transaction that asks for them, run by
# `manage.py db_worker` processes (README: "Deploying"). "immediate": run in-process
# once the transaction commits (development and tests: no worker to start).
TASK_BACKEND = env.str("TASK_BACKEND", default="immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _TASK_BACKENDS:
    _refuse_to_start("TASK_BACKEND", f"is {TASK_BACKEND!r} (database or immediate")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASK_BACKEND]}}
# E-mails an e-mail job sends over one SMTP connection before it looks for more.
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", default=100)

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "learning:dashboard"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.SignupForm"
ACCOUNT_FORMS = {"add_email": "lms.account_forms.AddEmailForm"}
ACCOUNT_ADAPTER = "teaching.adapters.AccountAdapter"  # instructors land on /teach/
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# allauth's default rate limits (login failures, sign-ups, password resets) stay on.

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files are private (assignment submissions): MEDIA_ROOT is never
# served at a URL; a view checks access and streams the file.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# What every visitor may see (course images, instructor photos; lms/storage.py)
# is apart, served at PUBLIC_MEDIA_URL: by runserver with DEBUG on, by nginx
# in production (deploy/nginx/doctrina.conf, location /media/).
PUBLIC_MEDIA_ROOT = Path(env.str("PUBLIC_MEDIA_ROOT", default=str(BASE_DIR / "media-public")))
PUBLIC_MEDIA_URL = "/media/"
STATICFILES_MANIFEST = env.bool("STATICFILES_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATICFILES_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}

# --- Security -------------------------------------------------------------------
# HTTPS-only behaviour is on whenever DEBUG is off; a deployment behind a proxy
# that terminates TLS sets SECURE_PROXY_SSL_HEADER. SECURE_HTTPS=false is for
# plain-HTTP loopback runs (tests, the benchmark), never for a real site.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_HTTPS
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address, for allauth's rate limits (failed logins, sign-ups, password resets are
# counted per address). Behind a proxy every request comes from the proxy: trusting none would let
# anyone lock everyone out. TRUSTED_PROXY_COUNT=1 (nginx as in deploy/nginx/doctrina.conf): the
# last address in X-Forwarded-For, the one nginx saw, is the client's; whatever a client writes
# before it is ignored. 2 with a CDN or load balancer in front of nginx, and so on. Or
# CLIENT_IP_HEADER=X-Real-IP: that header alone (only if nothing reaches gunicorn but the proxy).
# Default: no proxy trusted; the connection's address, and a client's X-Forwarded-For is ignored.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="") or None

# Content-Security-Policy (django-csp; lms.middleware adds the Stripe Checkout
# origin to form-action). Scripts, styles and images only from this site, no
# 'unsafe-inline': the templates have no inline <script> or style= (STYLE.md),
# nor do the admin's pages as configured here (Django's change_list.html writes
# a <style> only for a list with actions_on_top and actions_on_bottom both off;
# tests/security checks every page). Frames only from the video hosts
# courses/video.py embeds.
VIDEO_FRAME_ORIGINS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "frame-src": VIDEO_FRAME_ORIGINS,
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Powerful browser features nobody here needs are off, for the site and any
# frame; the video players may go full screen and picture-in-picture.
_PERMISSIONS_DENIED = [
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "publickey-credentials-get", "usb", "xr-spatial-tracking",
]  # fmt: skip
_PERMISSIONS_FOR_VIDEO = ["fullscreen", "picture-in-picture", "encrypted-media"]
_VIDEO_ALLOWLIST = " ".join(["self", *(f'"{origin}"' for origin in VIDEO_FRAME_ORIGINS)])
PERMISSIONS_POLICY = ", ".join(
    [f"{feature}=()" for feature in _PERMISSIONS_DENIED]
    + [f"{feature}=({_VIDEO_ALLOWLIST})" for feature in _PERMISSIONS_FOR_VIDEO]
)

# --- Uploads and request bodies ---------------------------------------------------
# The largest request is an assignment file (at most 10 MB, learning/uploads.py) with its
# text answer and the multipart framing. A larger Content-Length is answered 413 before a
# byte of the body is read (lms.middleware.request_body_limit); nginx refuses above 12 MB
# (deploy/nginx/doctrina.conf, client_max_body_size). Uploaded files above 2.5 MB go to a
# temporary file rather than memory; form data (everything but files) is at most 2.5 MB and
# 1,000 fields, which Django checks from the Content-Length too; one file per request.
REQUEST_BODY_MAX_BYTES = 11 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1_000
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- Publishing courses (courses/publishing.py) -------------------------------------
# The highest price a course may be published at, in its currency's main unit: a typo such as
# 4900 for 49.00 is refused with the reason. Currencies with a small unit have their own
# ("jpy=150000,krw=1500000"; entries replace the defaults below, so list every one you need).
COURSE_PRICE_MAX = env.int("COURSE_PRICE_MAX", default=1000)
COURSE_PRICE_MAX_BY_CURRENCY = {
    code.lower(): int(value)
    for code, value in env.dict(
        "COURSE_PRICE_MAX_BY_CURRENCY", default={"jpy": "150000", "krw": "1500000"}
    ).items()
}

# --- Community ------------------------------------------------------------------
# A student reviews a course once they have completed this percentage of it (0: any active student).
REVIEW_MIN_PROGRESS = env.int("REVIEW_MIN_PROGRESS", default=20)
if not 0 <= REVIEW_MIN_PROGRESS <= 100:
    _refuse_to_start("REVIEW_MIN_PROGRESS", f"is {REVIEW_MIN_PROGRESS} (it is a percentage, 0 to 100")

# --- Discussions ----------------------------------------------------------------
# A student posts at most this many questions and replies (together) in any window of this many
# minutes, counted in the database; over it the form comes back with their text. Instructors are not limited.
DISCUSSION_POSTS_PER_WINDOW = env.int("DISCUSSION_POSTS_PER_WINDOW", default=10)
DISCUSSION_WINDOW_MINUTES = env.int("DISCUSSION_WINDOW_MINUTES", default=10)
if DISCUSSION_POSTS_PER_WINDOW < 1:
    _refuse_to_start("DISCUSSION_POSTS_PER_WINDOW", f"is {DISCUSSION_POSTS_PER_WINDOW} (it must be 1 or more")
if DISCUSSION_WINDOW_MINUTES < 1:
    _refuse_to_start("DISCUSSION_WINDOW_MINUTES", f"is {DISCUSSION_WINDOW_MINUTES} (it must be 1 or more")

# --- Stripe ---------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="").rstrip("/")
# A buyer waits on these: fail fast and say so rather than hang the request.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
STRIPE_NETWORK_RETRIES = env.int("STRIPE_NETWORK_RETRIES", default=1)

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Django 6.0's default for URL form fields, opted into now.
FORMS_URLFIELD_ASSUME_HTTPS = True
