"""BZPEER settings: one strict file, every deployment-specific value from the environment.

`scripts/stack.py` exports DATABASE_URL, REDIS_URL and DJANGO_SECRET_KEY for local runs
(embedded PostgreSQL and Redis when the variables are unset); in production they are set
by the deployment (see docker-compose.yml).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = env_flag("DJANGO_DEBUG")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    # First, so that its `createsuperuser` (which also verifies the e-mail address for allauth)
    # takes precedence over django.contrib.auth's.
    "claims",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.humanize",  # intcomma on counts (50,000 citing works)
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "axes",
    "django.forms",
    "profiles",
    "works",
    "graph",
    "openweb",
    "records",
    "corsheaders",
    "collab",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above the CSRF and session middleware, so it sees the Vary: Cookie they add.
    "profiles.http.NoStoreViewerPagesMiddleware",
    # The read API answers GETs from any origin (openweb.api); before CommonMiddleware.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An anonymous visitor's profile page whole from the cache, before any session is touched.
    "profiles.http.AnonymousProfilePageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A merged record's old URLs answer 301 to the surviving record (issue 16).
    "records.http.OldSlugRedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out admin login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bzpeer.urls"
# Forms render through the project's templates (templates/django/forms/): labels above
# full-width fields, each field's errors right beside it — allauth's pages included.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "bzpeer.wsgi.application"

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
                "django.template.context_processors.csp",
                "openweb.context_processors.canonical_url",
                "collab.context_processors.collab_unread",
            ],
        },
    },
]

DATABASES = {
    # Persistent connections are checked before a request reuses them, so after a PostgreSQL
    # restart the next request reconnects instead of failing on a dead connection.
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
    ),
}
# PostgreSQL's default work_mem (4 MB) turns the site search's bitmap of a common word lossy
# from a few million works on (every row of a lossy page checked again: about twice the time at 5 M
# works, docs/benchmarks.md). Per sort or hash of a query, not per connection.
# DATABASE_PARALLEL_WORKERS caps a query's parallel workers (the web server sets 0, wsgi.py).
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = " ".join(
    filter(
        None,
        [
            _db_options.get("options"),
            f"-c work_mem={os.environ.get('DATABASE_WORK_MEM', '32MB')}",
            (
                f"-c max_parallel_workers_per_gather={workers}"
                if (workers := os.environ.get("DATABASE_PARALLEL_WORKERS"))
                else ""
            ),
        ],
    )
)
# Parallel test runs (several checkouts, CI beside a developer) each get their own test database.
if test_db_name := os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": test_db_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ["REDIS_URL"]


def celery_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket://`; redis-py spells it `unix://`."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


# Two views of the same Redis. "default" fails open (django-redis's IGNORE_EXCEPTIONS: an
# unreachable Redis reads as a miss and a write is dropped, logged; `add` answers "stored", see
# profiles/cache.py): allauth's rate limits live there, and with Redis down log-in, sign-up and
# password reset must still answer — uncounted for the outage rather than refused (a DB-backed
# fallback would add writes to every log-in for a rare outage; django-axes, in the database,
# still guards the admin log-in).
# "coordination" raises, for flags whose callers must know the write failed (the drain flag).
_CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "bzpeer")
CACHES = {
    "default": {
        "BACKEND": "profiles.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            # redis-py retries a refused connection three times with back-off by default:
            # seconds per cache call in an outage. Once is enough for a cache.
            "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 0)},
        },
        "KEY_PREFIX": _CACHE_KEY_PREFIX,
    },
    # Each process's own copies of the anonymous profile pages, above Redis: a key names one
    # version of a page's data, so a copy is never out of date for it (profiles/page_cache.py).
    # At most ~300 pages of ~80 KB each per process.
    "profile_pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "profile-pages",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("BZPEER_LOCAL_PAGES", "300"))},
    },
    "coordination": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            "retry": Retry(NoBackoff(), 0),
        },
        "KEY_PREFIX": _CACHE_KEY_PREFIX,
    },
}
# One line per failed cache call, not a traceback each (an outage would flood the log).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is down, so a page degrades instead of hanging.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,  # no pause before that one retry: a request waits at most a moment
    # How long an unacknowledged (acks_late) task waits before Redis redelivers it, and how
    # often a worker looks for such tasks (lowered together by the redelivery test). Tuned to
    # the longest task (the nightly run's topic refit, a few minutes on the 1 M-work corpus;
    # slices and trust batches take seconds): a task killed with its worker comes back within
    # this time. Slices and refresh requests do not wait for it: the sweeper re-enqueues them
    # a minute past their deadline (BZPEER_SLICE_DEADLINE, BZPEER_REFRESH_OVERDUE_AFTER).
    "visibility_timeout": int(os.environ.get("BZPEER_BROKER_VISIBILITY_TIMEOUT", "900")),
    "unacked_restore_interval": int(os.environ.get("BZPEER_BROKER_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": 1 if os.environ.get("BZPEER_BROKER_RESTORE_INTERVAL") else 10,
    # A test worker with a short visibility timeout gets its own key space, so it never
    # redelivers tasks that other workers on the same Redis are still running.
    "global_keyprefix": os.environ.get("BZPEER_BROKER_KEY_PREFIX", ""),
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# acks_late tasks (the idempotent ones, each says so) are also requeued when a pool child dies
# under them (task_reject_on_worker_lost, set per task); others keep Celery's defaults.
CELERY_TIMEZONE = "UTC"
# Separate queues let several checkouts (or test runs) share one Redis without stealing tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "bzpeer")
CELERY_TASK_CREATE_MISSING_QUEUES = True
# The import tasks go to `<CELERY_QUEUE>-import` (bzpeer.celery.route_task): start a worker for
# it with `celery -A bzpeer worker -Q bzpeer-import` (docs/operations.md).
CELERY_TASK_ROUTES = ("bzpeer.celery.route_task",)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Accounts (issue 4; docs/architecture.md "Accounts, follows and claims").
AUTHENTICATION_BACKENDS = [
    # django-axes watches only the admin login (AXES_ONLY_ADMIN_SITE); it needs a request, so
    # tests log in with `client.force_login`, not `client.login`.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "claims.accounts.AccountAdapter"
# No username on sign-up (issue 11): "A user with that username already exists" told anyone
# which usernames exist. allauth generates one from the address (never shown to other users
# but staff); people log in with their e-mail address. Username log-in stays for accounts made
# with `createsuperuser`. With ACCOUNT_PREVENT_ENUMERATION (allauth's default, kept on) a
# sign-up with a known address answers as for a new one and mails that address instead.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BZPEER] "
# allauth's limits, counted in the default (Redis) cache so every web process shares them.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # The key is (account, client address): claims.accounts.AccountAdapter.pre_authenticate.
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "20/m/ip",
    "confirm_email": "1/180s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "manage_email": "10/m/user",
    "change_password": "5/m/user",
}
# Failed log-ins to one account from all addresses together: a ceiling against slow
# distributed guessing, high enough that a stranger cannot use it to lock an owner out.
BZPEER_LOGIN_FAILED_PER_ACCOUNT = os.environ.get("BZPEER_LOGIN_FAILED_PER_ACCOUNT", "100/h/key")
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
# ORCID sign-in only when credentials are configured; the sandbox by BZPEER_ORCID_SANDBOX=1.
ORCID_CLIENT_ID = os.environ.get("ORCID_CLIENT_ID", "")
ORCID_SECRET = os.environ.get("ORCID_SECRET", "")
ORCID_SANDBOX = env_flag("BZPEER_ORCID_SANDBOX")
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
if ORCID_CLIENT_ID and ORCID_SECRET:
    INSTALLED_APPS.append("allauth.socialaccount.providers.orcid")
    SOCIALACCOUNT_PROVIDERS["orcid"] = {
        "BASE_DOMAIN": "sandbox.orcid.org" if ORCID_SANDBOX else "orcid.org",
        "MEMBER_API": False,
        "APPS": [{"client_id": ORCID_CLIENT_ID, "secret": ORCID_SECRET, "key": ""}],
    }

# django-axes on the admin login only; the public login is rate-limited by allauth.
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Cut to the width of axes' column: a longer username must not turn a log-in into a 500.
AXES_USERNAME_CALLABLE = "claims.accounts.axes_username"

# Mail leaves through the Celery task `claims.tasks.send_email` and Django 6.1's MAILERS: the
# console in the demo, SMTP when EMAIL_HOST is set, or any backend named by DJANGO_EMAIL_BACKEND
# (the browser test's worker uses the file backend; Django's test runner swaps in locmem).
_email_host = os.environ.get("EMAIL_HOST", "")
_email_backend = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    # Behind TLS (production) mail goes out by SMTP, to EMAIL_HOST or a local MTA.
    "django.core.mail.backends.smtp.EmailBackend"
    if _email_host or env_flag("BZPEER_HTTPS")
    else "django.core.mail.backends.console.EmailBackend",
)
_email_options: dict[str, object] = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": _email_host or "localhost",
        "port": int(os.environ.get("EMAIL_PORT", "587" if _email_host else "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_flag("EMAIL_USE_TLS", default=bool(_email_host)),
        "timeout": 10,
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    _email_options = {"file_path": os.environ["DJANGO_EMAIL_FILE_PATH"]}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "BZPEER <noreply@bzpeer.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails (claim notifications) start with this; mails name the site by
# BZPEER_SITE_NAME (allauth would otherwise say "Hello from 127.0.0.1:8000!").
BZPEER_SITE_URL = os.environ.get("BZPEER_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
BZPEER_SITE_NAME = os.environ.get("BZPEER_SITE_NAME", "BZPEER")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# The site's own wording for allauth's pages and mails ("Log in", not "Sign In").
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "DJANGO_STATICFILES_BACKEND",
            "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Content Security Policy (Django 6 built in): no inline script anywhere, htmx from our own static.
# CORS for the read API only: any origin may read, nothing else (django-cors-headers).
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
# The API's per-client limit counts the address that reached us, never a client-written
# X-Forwarded-For (which would let anyone pose as many clients); behind N trusted proxies
# set BZPEER_PROXIES=N and the limit reads the address the last of them saw.
NINJA_NUM_PROXIES = int(os.environ.get("BZPEER_PROXIES", "0"))

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Behind TLS (BZPEER_HTTPS=1 in production) cookies are secure and HSTS is on; the local
# demo serves plain http on 127.0.0.1, where secure cookies would make logging in impossible.
HTTPS = env_flag("BZPEER_HTTPS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Domain settings, documented in docs/architecture.md.
BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS = int(
    os.environ.get("BZPEER_CLOSE_COLLABORATOR_MIN_SHARED_WORKS", "3")
)
# How long the profile's rendered fragments stay cached (profiles/page_cache.py): a new data
# version makes a new key at once; this bounds what no data version tracks.
BZPEER_PROFILE_CACHE_SECONDS = int(os.environ.get("BZPEER_PROFILE_CACHE_SECONDS", "3600"))
BZPEER_WORKS_PAGE_SIZE = 20
# Retries of a graph slice per client address (graph.views.slice_retry_allowed, allauth's
# rate-limit syntax); one pending task per slice is guaranteed by the database regardless.
BZPEER_SLICE_RETRY_RATE = os.environ.get("BZPEER_SLICE_RETRY_RATE", "10/m/ip")
# Claims one account may open in any 24 hours (claims.services.claims.claim_open): enough for
# a researcher with a few records, not enough to flood the moderators' queue.
BZPEER_CLAIMS_PER_USER_PER_DAY = int(os.environ.get("BZPEER_CLAIMS_PER_USER_PER_DAY", "5"))

# Trust snapshots (docs/trust.md): refresh requests wait this many seconds so a burst of
# events about one researcher is computed once; the nightly run recomputes everyone in batches.
BZPEER_TRUST_REFRESH_COUNTDOWN = int(os.environ.get("BZPEER_TRUST_REFRESH_COUNTDOWN", "10"))
BZPEER_TRUST_BATCH_SIZE = int(os.environ.get("BZPEER_TRUST_BATCH_SIZE", "5000"))
BZPEER_TRUST_HISTORY_LENGTH = 10
# Faults (issue 11): the outbox is swept every few seconds; a refresh request waiting past
# this deadline gets a new drain, and a slice still pending past its deadline is re-enqueued
# (and offers Retry on the page).
BZPEER_OUTBOX_RETRY_AFTER = int(os.environ.get("BZPEER_OUTBOX_RETRY_AFTER", "10"))
BZPEER_REFRESH_OVERDUE_AFTER = int(os.environ.get("BZPEER_REFRESH_OVERDUE_AFTER", "60"))
BZPEER_SLICE_DEADLINE = int(os.environ.get("BZPEER_SLICE_DEADLINE", "30"))
BZPEER_SWEEP_EVERY = float(os.environ.get("BZPEER_SWEEP_EVERY", "15"))
# Import runs (issue 12): a file whose worker has not written its progress for this long is
# handed to another worker (at most BZPEER_IMPORT_MAX_ATTEMPTS times). A worker writes every
# few seconds between batches; waiting for the import lock while other workers write their
# batches counts as silence, so keep this well above N workers × one batch.
BZPEER_IMPORT_STALE_AFTER = int(os.environ.get("BZPEER_IMPORT_STALE_AFTER", "300"))
BZPEER_IMPORT_MAX_ATTEMPTS = int(os.environ.get("BZPEER_IMPORT_MAX_ATTEMPTS", "3"))
CELERY_BEAT_SCHEDULE = {
    # Collaboration notices (recorded in the database) mailed as one digest per person.
    "collab-digest": {
        "task": "collab.tasks.collab_digest_send",
        "schedule": int(os.environ.get("BZPEER_COLLAB_DIGEST_SECONDS", "600")),
    },
    "trust-recompute-nightly": {
        "task": "profiles.tasks.recompute_all_researchers",
        "schedule": crontab(hour=3, minute=15),
    },
    # The home page's corpus figures (works.models.CorpusFigures).
    "corpus-figures-hourly": {
        "task": "works.tasks.refresh_corpus_figures",
        "schedule": crontab(minute=5),
    },
    "outbox-sweep": {
        "task": "profiles.tasks.sweep_outbox",
        "schedule": BZPEER_SWEEP_EVERY,
        # A sweep not run by the next one is pointless: don't let them pile up in an outage.
        "options": {"expires": BZPEER_SWEEP_EVERY},
    },
    "graph-slices-sweep": {
        "task": "graph.tasks.sweep_graph_slices",
        "schedule": BZPEER_SWEEP_EVERY,
        "options": {"expires": BZPEER_SWEEP_EVERY},
    },
    "import-files-sweep": {
        "task": "works.tasks.sweep_import_files",
        "schedule": BZPEER_SWEEP_EVERY,
        "options": {"expires": BZPEER_SWEEP_EVERY},
    },
    # Possible duplicate records for the moderators' queue (issue 16).
    "duplicate-candidates-nightly": {
        "task": "records.tasks.find_duplicate_candidates",
        "schedule": crontab(hour=2, minute=30),
    },
}
