"""Configuration: typed defaults, PDHUB_* environment overrides, start-up checks."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

_PACKAGE = Path(__file__).resolve().parent


def _shipped(in_wheel: str, in_source: str) -> Path:
    """A folder that a wheel ships inside the package (setup.py maps it there) and a
    source checkout keeps at the top of the repository."""
    installed = _PACKAGE / in_wheel
    return installed if installed.is_dir() else _PACKAGE.parent / in_source


#: The Alembic migrations, so an installed pdhub can upgrade its database.
MIGRATIONS_PATH = _shipped("_migrations", "migrations")

#: The starter module catalog, for ``pdhub demo`` and ``pdhub modules import``.
MODULES_PATH = _shipped("_catalog", "modules")

#: The digital equity self-assessment (equity/self-assessment.yaml and translations).
EQUITY_PATH = _shipped("_equity", "equity")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names it and how to fix it."""


#: Settings read from the environment, with their types. A value that does not parse
#: stops start-up with a ConfigError naming the variable.
ENVIRONMENT_SETTINGS: dict[str, type] = {
    "PDHUB_ENV": str,  # "development" (embedded default) or "production"
    "PDHUB_INSTANCE_PATH": str,
    "PDHUB_SECRET_KEY": str,
    "PDHUB_DATABASE_URL": str,
    "PDHUB_REDIS_URL": str,
    "PDHUB_BASE_URL": str,
    "PDHUB_DATA_KEY": str,
    "PDHUB_MODULES_PATH": str,
    "PDHUB_MAIL_SERVER": str,
    "PDHUB_MAIL_PORT": int,
    "PDHUB_MAIL_FROM": str,
    "PDHUB_ISSUER_EMAIL": str,
    "PDHUB_CONTACT_EMAIL": str,
    "PDHUB_SUBPROCESSORS": str,
    "PDHUB_MAX_UPLOAD_MB": int,
    "PDHUB_REVIEW_CLAIM_MINUTES": int,
    "PDHUB_TASK_QUEUE": str,
    "PDHUB_SWEEP_AFTER_SECONDS": int,
    "PDHUB_SWEEP_INTERVAL_SECONDS": int,
    "PDHUB_VERIFY_ALLOWED_HOSTS": str,
    "PDHUB_SSO_HTTP_HOSTS": str,
    "PDHUB_SSO_TIMEOUT": float,
    "PDHUB_LTI_ALLOWED_HOSTS": str,
    "PDHUB_ROSTER_ALLOWED_HOSTS": str,
    "PDHUB_VERIFY_RATE_LIMIT": str,
    "PDHUB_VERIFY_BATCH_CHUNK": int,
    "PDHUB_VERIFY_BATCHES_PER_HOUR": int,
    "PDHUB_VERIFY_BATCHES_PER_HOUR_PER_TOKEN": int,
    "PDHUB_SCREENING_STUCK_SECONDS": int,
    "PDHUB_SCREENING_DELAY_SECONDS": int,
    "PDHUB_TASK_MAX_RETRIES": int,
    "PDHUB_TASK_RETRY_BACKOFF_SECONDS": int,
    "PDHUB_TASK_VISIBILITY_TIMEOUT": int,
    "PDHUB_TRUSTED_HOSTS": str,
    "PDHUB_PROXY_COUNT": int,
    "PDHUB_SIGNIN_CODE_MINUTES": int,
    "PDHUB_VERIFY_EMAIL_HOURS": int,
    "PDHUB_UNDO_DAYS": int,
    "PDHUB_SESSION_IDLE_MINUTES": int,
    "PDHUB_SESSION_MAX_HOURS": int,
    "PDHUB_SESSION_REMEMBER_DAYS": int,
    "PDHUB_SIGNUP_LIMIT": str,
    "PDHUB_BROKER_DOWN_SECONDS": int,
    "PDHUB_STORAGE_URL": str,
    "PDHUB_STORAGE_ENDPOINT": str,
    "PDHUB_STORAGE_REGION": str,
    "PDHUB_STORAGE_ACCESS_KEY": str,
    "PDHUB_STORAGE_SECRET_KEY": str,
    "PDHUB_STORAGE_ADDRESSING": str,
    "PDHUB_STORAGE_TIMEOUT": float,
}


def defaults() -> dict[str, Any]:
    """Return the default settings of the embedded (development) configuration."""
    return {
        "PDHUB_ENV": "development",
        "PDHUB_INSTANCE_PATH": None,
        "PDHUB_SECRET_KEY": None,
        "PDHUB_DATABASE_URL": None,
        "PDHUB_REDIS_URL": None,
        "PDHUB_BASE_URL": "http://127.0.0.1:5000",
        "PDHUB_DATA_KEY": None,
        "PDHUB_MODULES_PATH": str(MODULES_PATH),
        "PDHUB_MAIL_SERVER": None,
        "PDHUB_MAIL_PORT": 25,
        "PDHUB_MAIL_FROM": "PD Hub <no-reply@pdhub.local>",
        # The contact address in every credential's issuer profile (who a hiring
        # district writes to about a badge); default: the address of MAIL_FROM.
        "PDHUB_ISSUER_EMAIL": None,
        # Where people write about privacy, accessibility and security (the public
        # /privacy, /accessibility and /security pages and security.txt name it);
        # default: PDHUB_ISSUER_EMAIL, else the address of MAIL_FROM.
        "PDHUB_CONTACT_EMAIL": None,
        # Services outside this deployment that handle personal data, if any (a
        # hosted mail relay, say), separated by semicolons or new lines; the /privacy
        # page lists them.
        "PDHUB_SUBPROCESSORS": "",
        "PDHUB_MAX_UPLOAD_MB": 20,
        "PDHUB_REVIEW_CLAIM_MINUTES": 60,
        "PDHUB_TASK_QUEUE": "pdhub",
        # Work interrupted by a crash, or saved while Redis was down, resumes within
        # 2 minutes: the sweeps run every PDHUB_SWEEP_INTERVAL_SECONDS (on the worker
        # started with --beat) and re-send the jobs of rows older than
        # PDHUB_SWEEP_AFTER_SECONDS still unprocessed (never sent, or lost), so saved
        # work leaves within 60 s of Redis returning.
        "PDHUB_SWEEP_INTERVAL_SECONDS": 30,
        "PDHUB_SWEEP_AFTER_SECONDS": 30,
        # A submission left "being checked" this long lost its screening job (its
        # worker died): the sweep sends it again (60 s + one 30 s sweep < 2 minutes).
        "PDHUB_SCREENING_STUCK_SECONDS": 60,
        # Pause screening between "being checked" and the result. Only tests set it,
        # to kill a worker in the middle of a job; 0 in every real deployment.
        "PDHUB_SCREENING_DELAY_SECONDS": 0,
        # A failing job is retried this many times with exponential backoff starting
        # at this many seconds, then recorded as a JobFailure for administrators.
        "PDHUB_TASK_MAX_RETRIES": 6,
        "PDHUB_TASK_RETRY_BACKOFF_SECONDS": 2,
        # Redis hands out again a job whose worker died after this long. Jobs with a
        # sweep (screening, grading, email, issuing, completion) resume sooner through
        # it; this bounds the rest. Retries wait at most half of it (a job held for
        # its retry longer than this would be handed out twice).
        "PDHUB_TASK_VISIBILITY_TIMEOUT": 300,
        # After failing to reach Redis, a process sends no job for this long (the
        # rows wait for the sweep), so requests answer at once while Redis is down.
        "PDHUB_BROKER_DOWN_SECONDS": 5,
        # Files (evidence, attachments, certificates, exports): on the local disk
        # under the instance folder unless PDHUB_STORAGE_URL names an S3-compatible
        # bucket, "s3://bucket" or "s3://bucket/prefix". PDHUB_STORAGE_ENDPOINT is
        # the server of a non-Amazon store (SeaweedFS, MinIO, ...); empty keys use
        # boto3's usual credentials (environment, instance role). Every file is
        # encrypted with PDHUB_DATA_KEY before it is uploaded.
        "PDHUB_STORAGE_URL": "",
        "PDHUB_STORAGE_ENDPOINT": "",
        "PDHUB_STORAGE_REGION": "us-east-1",
        "PDHUB_STORAGE_ACCESS_KEY": "",
        "PDHUB_STORAGE_SECRET_KEY": "",
        # "path" (most self-hosted stores) or "virtual" (bucket in the host name).
        "PDHUB_STORAGE_ADDRESSING": "path",
        # Seconds to wait for the store before telling the person to try later.
        "PDHUB_STORAGE_TIMEOUT": 5.0,
        "PDHUB_SIGNIN_LIMIT_ADDRESS": "20 per 15 minutes",
        "PDHUB_SIGNIN_LIMIT_ACCOUNT": "5 per 15 minutes",
        # Sign-ups per address (each sends an email, and an address's answers must
        # not be probed in bulk).
        "PDHUB_SIGNUP_LIMIT": "10 per hour",
        # A signed-in browser is signed out after this long without a request, and
        # in any case this long after signing in. A teacher who ticks "keep me
        # signed in" stays signed in for PDHUB_SESSION_REMEMBER_DAYS (staff never).
        "PDHUB_SESSION_IDLE_MINUTES": 30,
        "PDHUB_SESSION_MAX_HOURS": 12,
        "PDHUB_SESSION_REMEMBER_DAYS": 30,
        "PDHUB_RATELIMIT_STORAGE_URI": None,
        # Requests must name PDHUB_BASE_URL's host or one of these (comma-separated
        # "host" or "host:port"); enforced in production, and anywhere they are set.
        "PDHUB_TRUSTED_HOSTS": "",
        # How many proxies (load balancers) in front of PD Hub add X-Forwarded-For and
        # X-Forwarded-Proto; those headers are believed only from that many hops.
        "PDHUB_PROXY_COUNT": 0,
        # "Password checked, waiting for the code" lasts this long (server-side).
        "PDHUB_SIGNIN_CODE_MINUTES": 10,
        # Emailed links: confirm an address, and undo a sensitive account change.
        "PDHUB_VERIFY_EMAIL_HOURS": 48,
        "PDHUB_UNDO_DAYS": 14,
        "PDHUB_VERIFY_RESEND_LIMIT": "3 per 15 minutes",
        "PDHUB_TASKS_EAGER": None,
        # Verification: other sites' documents (status lists, did:web) are fetched over
        # https from public addresses only (verification/fetcher.py); these hosts are
        # fetched without that address check, for development (comma-separated;
        # "host", "host:port", or "http://host:port" to allow plain http). This
        # site's own URLs are answered in process.
        "PDHUB_VERIFY_ALLOWED_HOSTS": "",
        # Single sign-on: identity providers are reached over https only; these
        # "host:port" entries (comma-separated) may be plain http, for a provider on
        # loopback in development and tests. Seconds to wait for a provider.
        "PDHUB_SSO_HTTP_HOSTS": "",
        "PDHUB_SSO_TIMEOUT": 10.0,
        # LTI: platform endpoints are called over https at public addresses only;
        # these hosts skip that check (development and tests; same format).
        "PDHUB_LTI_ALLOWED_HOSTS": "",
        # OneRoster providers are reached over HTTPS at public addresses only; these
        # origins (e.g. "http://127.0.0.1:8090" in development) are let through.
        "PDHUB_ROSTER_ALLOWED_HOSTS": "",
        "PDHUB_VERIFY_RATE_LIMIT": "60 per minute",
        "PDHUB_VERIFY_FETCH_TIMEOUT": 5.0,
        "PDHUB_VERIFY_BATCH_CHUNK": 200,
        "PDHUB_VERIFY_BATCH_MAX": 10_000,
        "PDHUB_VERIFY_BATCH_MAX_MB": 100,
        # Batches a district may start in an hour, and one API token of it.
        "PDHUB_VERIFY_BATCHES_PER_HOUR": 30,
        "PDHUB_VERIFY_BATCHES_PER_HOUR_PER_TOKEN": 10,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "pdhub_session",
        "WTF_CSRF_TIME_LIMIT": None,
        # WTForms' own messages ("This field is required.") in the reader's language:
        # ours (pdhub.forms.WTFORMS_TEXTS) first, else WTForms' catalog.
        "WTF_I18N_ENABLED": True,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse the PDHUB_* variables in ``environ``; raise ConfigError on bad types."""
    parsed: dict[str, Any] = {}
    for name, kind in ENVIRONMENT_SETTINGS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            continue
        if kind is int:
            try:
                parsed[name] = int(raw)
            except ValueError:
                raise ConfigError(
                    f"{name} must be a whole number, got {raw!r}."
                ) from None
        elif kind is float:
            try:
                parsed[name] = float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got {raw!r}.") from None
        else:
            parsed[name] = raw
    return parsed


def _check_storage(config: dict[str, Any]) -> None:
    """The object store settings, when there is one, name a bucket and a known
    addressing style."""
    url = config.get("PDHUB_STORAGE_URL") or ""
    if url:
        where = urlsplit(url)
        if where.scheme != "s3" or not where.netloc or where.query:
            raise ConfigError(
                "PDHUB_STORAGE_URL must name a bucket like s3://pdhub-files or "
                f"s3://pdhub-files/prefix, got {url!r}."
            )
        endpoint = config.get("PDHUB_STORAGE_ENDPOINT") or ""
        if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
            raise ConfigError(
                f"PDHUB_STORAGE_ENDPOINT must be an http(s) address, got {endpoint!r}."
            )
    if config.get("PDHUB_STORAGE_ADDRESSING", "path") not in {"path", "virtual"}:
        raise ConfigError("PDHUB_STORAGE_ADDRESSING must be 'path' or 'virtual'.")


def finalize(config: dict[str, Any], default_instance_path: str) -> dict[str, Any]:
    """Fill derived settings and validate; raise ConfigError naming the bad setting.

    Production (PDHUB_ENV=production) must be given its secret key, database, Redis,
    base URL and data key; the embedded default generates its secret and data key once
    into the instance folder and keeps SQLite there.
    """
    env = config["PDHUB_ENV"]
    if env not in {"development", "production"}:
        raise ConfigError(
            f"PDHUB_ENV must be 'development' or 'production', got {env!r}."
        )
    production = env == "production"
    instance = Path(config["PDHUB_INSTANCE_PATH"] or default_instance_path).resolve()
    config["PDHUB_INSTANCE_PATH"] = str(instance)

    if production:
        missing = [
            name
            for name in (
                "PDHUB_SECRET_KEY",
                "PDHUB_DATABASE_URL",
                "PDHUB_REDIS_URL",
                "PDHUB_BASE_URL",
                "PDHUB_DATA_KEY",
                # Without it reset links would only reach a local file.
                "PDHUB_MAIL_SERVER",
            )
            if not config.get(name)
        ]
        if missing:
            raise ConfigError(
                "Production needs these settings in the environment: "
                + ", ".join(missing)
                + "."
            )
        if len(config["PDHUB_SECRET_KEY"]) < 32:
            raise ConfigError("PDHUB_SECRET_KEY must be at least 32 characters long.")

    _check_storage(config)

    base = urlsplit(config["PDHUB_BASE_URL"] or "")
    if base.scheme not in {"http", "https"} or not base.netloc or base.query:
        raise ConfigError(
            "PDHUB_BASE_URL must be an origin like https://pd.example.org, "
            f"got {config['PDHUB_BASE_URL']!r}."
        )
    if production and base.scheme != "https":
        raise ConfigError("PDHUB_BASE_URL must use https in production.")
    config["PDHUB_BASE_URL"] = config["PDHUB_BASE_URL"].rstrip("/")

    if config["PDHUB_DATA_KEY"]:
        try:
            for key in config["PDHUB_DATA_KEY"].split(","):
                Fernet(key.strip().encode())
        except ValueError:
            raise ConfigError(
                "PDHUB_DATA_KEY must be a Fernet key (32 url-safe base64 bytes); "
                "make one with: python -c 'from cryptography.fernet import Fernet;"
                " print(Fernet.generate_key().decode())'"
            ) from None

    contact = (
        config["PDHUB_CONTACT_EMAIL"]
        or config["PDHUB_ISSUER_EMAIL"]
        or parseaddr(config["PDHUB_MAIL_FROM"])[1]
    )
    if "@" not in contact or any(c.isspace() or c in '<>"' for c in contact):
        raise ConfigError(
            "PDHUB_CONTACT_EMAIL must be one email address like privacy@district.org, "
            f"got {contact!r}."
        )
    config["PDHUB_CONTACT_EMAIL"] = contact
    subprocessors = config["PDHUB_SUBPROCESSORS"] or ""
    if isinstance(subprocessors, str):
        subprocessors = subprocessors.replace(";", "\n").splitlines()
    config["PDHUB_SUBPROCESSORS"] = [
        str(line).strip() for line in subprocessors if str(line).strip()
    ]

    url = config["PDHUB_DATABASE_URL"] or f"sqlite:///{instance / 'pdhub.sqlite'}"
    if not url.startswith(("sqlite:", "postgresql")):
        raise ConfigError(
            "PDHUB_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL."
        )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite:"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}

    redis_url = config["PDHUB_REDIS_URL"]
    if redis_url and not redis_url.startswith(("redis://", "rediss://")):
        raise ConfigError(f"PDHUB_REDIS_URL must be a redis:// URL, got {redis_url!r}.")
    if config["PDHUB_TASKS_EAGER"] is None:
        config["PDHUB_TASKS_EAGER"] = not redis_url
    config.setdefault("RATELIMIT_STORAGE_URI", None)
    config["RATELIMIT_STORAGE_URI"] = (
        config["PDHUB_RATELIMIT_STORAGE_URI"] or redis_url or "memory://"
    )
    config["RATELIMIT_HEADERS_ENABLED"] = True
    # Redis down must not stop sign-in or verification: the limits fall back to
    # per-process counters (Flask-Limiter logs a warning) until Redis answers again.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)

    if config["PDHUB_PROXY_COUNT"] < 0:
        raise ConfigError("PDHUB_PROXY_COUNT must be 0 or more.")
    extra_hosts = [
        host.strip().lower()
        for host in str(config["PDHUB_TRUSTED_HOSTS"] or "").split(",")
        if host.strip()
    ]
    if production or extra_hosts:
        # Flask answers 400 to a request whose Host is not one of these.
        config["TRUSTED_HOSTS"] = [base.netloc.lower(), *extra_hosts]

    config["SESSION_COOKIE_SECURE"] = production or base.scheme == "https"
    if production:
        # The __Host- prefix makes browsers refuse the cookie unless it is Secure,
        # for this exact host and path "/": a sibling subdomain cannot plant one.
        config["SESSION_COOKIE_NAME"] = "__Host-" + config["SESSION_COOKIE_NAME"]
        config["SESSION_COOKIE_DOMAIN"] = None
        config["SESSION_COOKIE_PATH"] = "/"
    for name in (
        "PDHUB_SESSION_IDLE_MINUTES",
        "PDHUB_SESSION_MAX_HOURS",
        "PDHUB_SESSION_REMEMBER_DAYS",
    ):
        if config[name] < 1:
            raise ConfigError(f"{name} must be 1 or more, got {config[name]}.")
    # Only a "keep me signed in" browser gets a lasting cookie; the server-side
    # session record decides when it ends in every case.
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        days=config["PDHUB_SESSION_REMEMBER_DAYS"]
    )
    config["PREFERRED_URL_SCHEME"] = base.scheme
    # The limit is per file; the request may carry a form's text besides the largest
    # file, so the evidence page can answer a too-large file next to the field.
    config["MAX_CONTENT_LENGTH"] = (
        config["PDHUB_MAX_UPLOAD_MB"] * 1024 * 1024 + 512 * 1024
    )
    config["PDHUB_PRODUCTION"] = production
    return config


def ensure_instance_secrets(config: dict[str, Any]) -> None:
    """Create the instance folder and, in the embedded default, its secret and data key.

    This is I/O, so it runs from the CLI (``pdhub demo``, ``pdhub db upgrade``) and from
    wsgi start-up, never from the app factory.
    """
    instance = Path(config["PDHUB_INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    make: Callable[[], str]
    for name, make in (
        ("PDHUB_SECRET_KEY", lambda: secrets.token_urlsafe(48)),
        ("PDHUB_DATA_KEY", lambda: Fernet.generate_key().decode()),
    ):
        if config.get(name):
            continue
        path = instance / name.lower().removeprefix("pdhub_")
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(make())
        config[name] = path.read_text().strip()
