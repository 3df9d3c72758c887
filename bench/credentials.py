"""Credential benchmarks: signing, verifying, and a 10,000-credential batch through the
API and real Celery workers on PostgreSQL and Redis.

Run: PYTHONPATH=. python bench/credentials.py [--batch 10000] [--workers 2]
(``--batch 0`` measures only bulk issuing, ``--issue 0`` only the batch.)
The last line printed is one JSON object with the figures (see BENCHMARKS.md).
Needs the local PostgreSQL (PDHUB_BENCH_ADMIN_DSN, default postgres@127.0.0.1) and
Redis (PDHUB_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from badges.dids import Resolver  # noqa: E402
from badges.keys import Ed25519KeyPair, verify_ed25519  # noqa: E402
from badges.proofs import sign_document  # noqa: E402
from badges.verify import verify_credential  # noqa: E402
from tests.verification import samples  # noqa: E402

ADMIN_DSN = os.environ.get(
    "PDHUB_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PDHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def say(message: str) -> None:
    print(message, flush=True)


def timings(action: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call."""
    results = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        results.append((time.perf_counter() - start) * 1000)
    return results


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def single_credential_figures() -> dict[str, float]:
    key = Ed25519KeyPair.generate()
    list_url = "https://pd.example/status-lists/1"
    status_list = samples.status_list(key, list_url, "revocation")
    credential = samples.credential(key, list_url=list_url)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    method = key.did_key_verification_method
    say("signing 50 credentials (eddsa-rdfc-2022)...")
    sign = timings(lambda: sign_document(unsigned, key, method), 50)
    # One resolver for the run, as a batch chunk has: the status list's proof is
    # checked once and remembered; each credential's own proof is checked every time.
    resolver = Resolver()
    say("verifying 300 credentials (every check, status list in memory)...")

    def verify() -> None:
        report = verify_credential(
            credential, resolver=resolver, status_fetcher=lambda url: status_list
        )
        assert report.verified, report.to_json()

    verify()
    verifies = timings(verify, 300)
    message, signature = b"x" * 200, key.sign(b"x" * 200)
    public = key.public_key_bytes
    raw = timings(lambda: verify_ed25519(public, signature, message), 2000)
    return {
        "sign_median_ms": round(statistics.median(sign), 3),
        "verify_median_ms": round(statistics.median(verifies), 3),
        "verify_p95_ms": round(p95(verifies), 3),
        "ed25519_verify_ms": round(statistics.median(raw), 4),
    }


# --- the batch, end to end ----------------------------------------------------------


class _StatusSite(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


class Site:
    """A committed throwaway PostgreSQL database, the app over it, a site serving a
    status list, and ``workers`` Celery worker processes (concurrency 1 each) on a
    queue of their own. ``close`` stops and removes all of it."""

    def __init__(self, workers: int) -> None:
        import psycopg
        from cryptography.fernet import Fernet

        self.psycopg = psycopg
        self.name = f"pdhub_bench_{secrets.token_hex(4)}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.server: ThreadingHTTPServer | None = None
        self.app: Any = None
        self.instance = tempfile.mkdtemp(prefix="pdhub-bench-")
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.key = Ed25519KeyPair.generate()
        handler = type("Handler", (_StatusSite,), {})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.list_url = f"{origin}/status/1"
        handler.body = json.dumps(
            samples.status_list(self.key, self.list_url, "revocation")
        ).encode()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.settings = {
            "PDHUB_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/"
            + self.name,
            "PDHUB_REDIS_URL": REDIS_URL,
            "PDHUB_INSTANCE_PATH": self.instance,
            "PDHUB_TASK_QUEUE": f"pdhub-bench-{secrets.token_hex(3)}",
            "PDHUB_VERIFY_ALLOWED_HOSTS": origin,
            "PDHUB_BASE_URL": "http://localhost",
            "PDHUB_SECRET_KEY": secrets.token_urlsafe(48),
            "PDHUB_DATA_KEY": Fernet.generate_key().decode(),
        }
        from flask_migrate import upgrade

        from pdhub import create_app

        self.app = create_app({**self.settings, "SERVER_NAME": "localhost"})
        with self.app.app_context():
            upgrade()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
        env.update(self.settings)
        env["PYTHONPATH"] = str(ROOT)
        say(f"starting {workers} worker process(es), concurrency 1 each...")
        for number in range(workers):
            log = Path(self.instance) / f"worker{number}.log"
            self.processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "bench.timed_worker",
                        "worker",
                        "--loglevel",
                        "INFO",
                        "--concurrency",
                        "1",
                        "-Q",
                        self.settings["PDHUB_TASK_QUEUE"],
                        "--without-gossip",
                        "--without-mingle",
                        "--hostname",
                        f"bench{number}-{secrets.token_hex(2)}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        time.sleep(6 if workers else 0)  # let the workers connect before timing

    def scalar(self, sql: str) -> Any:
        from sqlalchemy import text

        from pdhub.extensions import db

        with self.app.app_context():
            try:
                return db.session.scalar(text(sql))
            finally:
                db.session.remove()

    def wait_for_idle_queue(self, timeout: float = 300) -> None:
        """Until the workers' queue is empty and no email waits (bounded)."""
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            queued = client.llen(self.settings["PDHUB_TASK_QUEUE"])
            unsent = self.scalar(
                "SELECT count(*) FROM email_messages WHERE sent_at IS NULL"
            )
            if not queued and not unsent:
                return
            time.sleep(0.5)
        raise TimeoutError("the workers did not finish their queue in time")

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=30)
        if self.server is not None:
            self.server.shutdown()
        if self.app is not None:
            from pdhub.extensions import db

            with self.app.app_context():
                db.engine.dispose()
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            queue = self.settings["PDHUB_TASK_QUEUE"]
            client.delete(queue, *client.keys(f"{queue}*"))
        except Exception:  # noqa: S110 - best effort; the queue name is unique anyway
            pass
        with self.psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _timed_stages(site: Site) -> dict[str, float]:
    """Seconds per stage, summed over the workers' ``timing <stage> <s>`` log lines."""
    stages: dict[str, float] = {}
    for log in Path(site.instance).glob("worker*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if "] timing " in line:
                _, _, rest = line.partition("] timing ")
                name, _, seconds = rest.partition(" ")
                stages[name] = stages.get(name, 0.0) + float(seconds)
    return {name: round(value, 2) for name, value in sorted(stages.items())}


# --- bulk issuing ----------------------------------------------------------------


def create_awards(site: Site, count: int) -> list[int]:
    """``count`` teachers, each with a completed enrollment and its Award."""
    from sqlalchemy import insert

    from pdhub.accounts.models import User
    from pdhub.credentials.models import Award
    from pdhub.extensions import db
    from pdhub.learning.importer import import_folder, package_folders
    from pdhub.learning.models import Enrollment, EnrollmentStatus

    say(f"creating {count} teachers, enrollments and awards...")
    with site.app.app_context():
        modules = [
            import_folder(db.session, folder).module
            for folder in package_folders(ROOT / "modules")
        ]
        db.session.flush()
        module_ids = [module.id for module in modules]
        user_ids = list(
            db.session.scalars(
                insert(User).returning(User.id, sort_by_parameter_order=True),
                [
                    {
                        "email": f"teacher{n}@bench.example",
                        "name": f"Teacher {n}",
                        "password_hash": "not-a-hash",
                        # Confirmed: an unconfirmed address holds its badges.
                        "email_verified_at": datetime.now(UTC),
                    }
                    for n in range(count)
                ],
            )
        )
        now = datetime.now(UTC)
        enrollments = [
            {
                "user_id": user_id,
                "module_id": module_ids[n % len(module_ids)],
                "status": EnrollmentStatus.COMPLETED,
                "completed_at": now,
            }
            for n, user_id in enumerate(user_ids)
        ]
        enrollment_ids = list(
            db.session.scalars(
                insert(Enrollment).returning(
                    Enrollment.id, sort_by_parameter_order=True
                ),
                enrollments,
            )
        )
        award_ids = list(
            db.session.scalars(
                insert(Award).returning(Award.id, sort_by_parameter_order=True),
                [
                    {
                        "enrollment_id": enrollment_id,
                        "user_id": row["user_id"],
                        "module_id": row["module_id"],
                    }
                    for enrollment_id, row in zip(
                        enrollment_ids, enrollments, strict=True
                    )
                ],
            )
        )
        db.session.commit()
        db.session.remove()
    return award_ids


def bulk_issue_figure(site: Site, count: int, chunk: int) -> dict[str, Any]:
    """Issue ``count`` credentials through the workers: awards inserted in bulk,
    one ``pdhub.issue_credentials`` job per ``chunk`` awards, timed until every
    IssuedCredential exists."""
    from pdhub import jobs, tasks

    award_ids = create_awards(site, count)
    say(
        f"issuing {count} credentials: {-(-count // chunk)} jobs of {chunk} awards "
        "through Redis..."
    )
    start = time.perf_counter()
    with site.app.app_context():
        for first in range(0, count, chunk):
            assert jobs.send_now(
                tasks.ISSUE_CREDENTIALS, award_ids[first : first + chunk]
            )
    sent = time.perf_counter() - start
    last = -1
    deadline = start + 600
    while True:
        issued = site.scalar("SELECT count(*) FROM issued_credentials")
        if issued >= count:
            break
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {issued} of {count} credentials were issued")
        if issued != last:
            say(
                f"  {issued:>6} of {count} issued ({time.perf_counter() - start:.1f} s)"
            )
            last = issued
        time.sleep(0.25)
    total = time.perf_counter() - start
    distinct = site.scalar(
        "SELECT count(DISTINCT current_award_id) FROM issued_credentials"
    )
    assert distinct == issued == count, (distinct, issued)
    say(
        f"done: {count} credentials issued in {total:.2f} s "
        f"(sending the jobs took {sent:.2f} s)"
    )
    _check_a_bulk_credential(site)
    say("waiting for the notification emails to be delivered...")
    site.wait_for_idle_queue()
    return {
        "bulk_issue_10k_s": round(total, 2),
        "bulk_issue_send_s": round(sent, 2),
        "bulk_issue_count": count,
        "bulk_issue_chunk": chunk,
    }


def _check_a_bulk_credential(site: Site) -> None:
    """One issued credential verifies against the served status list."""
    from pdhub.extensions import db
    from pdhub.verification.fetcher import DocumentFetcher
    from pdhub.verification.service import verify

    with site.app.app_context():
        text = site.scalar(
            "SELECT credential_json FROM issued_credentials ORDER BY random() LIMIT 1"
        )
        outcome = verify(text.encode(), fetcher=DocumentFetcher.for_app(site.app))
        db.session.remove()
    assert outcome.verified, outcome.reasons


# --- the batch, end to end ---------------------------------------------------------


def batch_figure(site: Site, count: int, distinct: int) -> dict[str, Any]:
    from pdhub.accounts.models import Role, User
    from pdhub.accounts.service import create_api_token
    from pdhub.districts.models import District
    from pdhub.extensions import db
    from pdhub.trust.models import TrustedIssuer

    app = site.app
    with app.app_context():
        district = District(name="Bench District", join_code="BENCH1")
        admin = User(
            email="hr@bench.example",
            name="HR",
            password_hash="not-a-hash",  # noqa: S106 - nobody signs in
            role=Role.DISTRICT_ADMIN,
            district=district,
        )
        db.session.add(admin)
        # The district trusts the bench issuer, so its credentials count as verified.
        db.session.add(
            TrustedIssuer(
                district=district, identifier=site.key.did_key, name="Bench issuer"
            )
        )
        db.session.flush()
        token = create_api_token(db.session, admin, "bench")
        db.session.commit()
        db.session.remove()
    distinct = min(distinct, count)
    say(f"signing {distinct} distinct credentials for the batch of {count}...")
    credentials = [
        samples.credential(site.key, list_url=site.list_url, index=1000 + n)
        for n in range(distinct)
    ]
    batch = [credentials[n % distinct] for n in range(count)]
    body = json.dumps({"credentials": batch}).encode()
    say(
        f"posting {count} credentials ({len(body) / 1e6:.1f} MB) to "
        "/api/v1/verify/batch..."
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    with app.app_context():
        response = client.post(
            "/api/v1/verify/batch",
            data=body,
            headers=headers,
            content_type="application/json",
        )
    posted = time.perf_counter() - start
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    last = -1
    checked_all = None
    deadline = start + 600
    while True:
        before = time.perf_counter()
        with app.app_context():
            response = client.get(location, headers=headers)
        state = response.get_json()
        if state["status"] == "done":
            final_get = time.perf_counter() - before
            break
        if time.perf_counter() > deadline:
            raise TimeoutError(f"only {state['checked']} of {count} were checked")
        if state["checked"] != last:
            say(
                f"  {state['checked']:>6} of {state['total']} checked "
                f"({time.perf_counter() - start:.1f} s)"
            )
            last = state["checked"]
        if state["checked"] == count and checked_all is None:
            checked_all = time.perf_counter() - start
        time.sleep(0.1)
    total = time.perf_counter() - start
    say(
        f"done: {state['verified']} verified of {state['total']} in {total:.2f} s "
        f"(accepting the POST took {posted:.2f} s; the final GET with every "
        f"result {final_get:.2f} s, {len(response.get_data()) / 1e6:.1f} MB)"
    )
    assert state["verified"] == count
    assert len(state["results"]) == count
    return {
        "batch_verify_10k_s": round(total, 2),
        "batch_post_s": round(posted, 2),
        "batch_all_checked_s": round(checked_all, 2) if checked_all else None,
        "batch_final_get_s": round(final_get, 2),
        "batch_size": count,
        "batch_distinct": distinct,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--batch", type=int, default=10_000, help="0: only the bulk issue part"
    )
    parser.add_argument(
        "--distinct",
        type=int,
        default=10_000,
        help="distinct credentials in the batch (the rest repeat them)",
    )
    parser.add_argument(
        "--issue", type=int, default=10_000, help="0: skip the bulk issue part"
    )
    parser.add_argument("--issue-chunk", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    figures: dict[str, Any] = single_credential_figures()
    say(json.dumps(figures))
    site = Site(options.workers)
    try:
        figures["bulk_issue_worker_stages_s"] = {}
        if options.issue:
            figures.update(bulk_issue_figure(site, options.issue, options.issue_chunk))
            figures["bulk_issue_worker_stages_s"] = _timed_stages(site)
        if options.batch:
            figures.update(batch_figure(site, options.batch, options.distinct))
            stages = _timed_stages(site)
            figures["batch_worker_stages_s"] = {
                name: seconds
                for name, seconds in stages.items()
                if name not in figures["bulk_issue_worker_stages_s"]
            }
    finally:
        site.close()
    figures["batch_workers"] = options.workers
    figures["verify_to_ed25519_ratio"] = round(
        figures["verify_median_ms"] / figures["ed25519_verify_ms"], 1
    )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
