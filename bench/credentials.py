"""Credential benchmarks: signing, verifying, and a 10,000-credential batch through the
API and real Celery workers on PostgreSQL and Redis.

Run: PYTHONPATH=. python bench/credentials.py [--batch 10000] [--workers 2]
The last line printed is one JSON object with the figures (see BENCHMARKS.md).
Needs the local PostgreSQL (PDHUB_BENCH_ADMIN_DSN, default postgres@127.0.0.1) and
Redis (PDHUB_BENCH_REDIS_URL, default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import importlib.util
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


def bulk_issue_figure() -> tuple[float | None, str]:
    if importlib.util.find_spec("pdhub.credentials.issuing") is None:
        return (
            None,
            "pending: credential issuing (pdhub.credentials) is not on this branch",
        )
    return None, "pending: issuing exists; wire bulk_issue_10k_s to its issue task"


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


def batch_figure(count: int, workers: int) -> dict[str, Any]:
    import psycopg

    name = f"pdhub_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = None
    processes: list[subprocess.Popen[bytes]] = []
    instance = tempfile.mkdtemp(prefix="pdhub-bench-")
    try:
        key = Ed25519KeyPair.generate()
        handler = type("Handler", (_StatusSite,), {})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        list_url = f"{origin}/status/1"
        handler.body = json.dumps(
            samples.status_list(key, list_url, "revocation")
        ).encode()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings = {
            "PDHUB_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
            "PDHUB_REDIS_URL": REDIS_URL,
            "PDHUB_INSTANCE_PATH": instance,
            "PDHUB_TASK_QUEUE": f"pdhub-bench-{secrets.token_hex(3)}",
            "PDHUB_VERIFY_ALLOWED_HOSTS": origin,
            "PDHUB_BASE_URL": "http://localhost",
            "PDHUB_SECRET_KEY": secrets.token_urlsafe(48),
        }
        from cryptography.fernet import Fernet

        settings["PDHUB_DATA_KEY"] = Fernet.generate_key().decode()
        from flask_migrate import upgrade

        from pdhub import create_app
        from pdhub.accounts.models import Role, User
        from pdhub.accounts.service import create_api_token
        from pdhub.districts.models import District
        from pdhub.extensions import db

        app = create_app({**settings, "SERVER_NAME": "localhost"})
        with app.app_context():
            upgrade()
            district = District(name="Bench District", join_code="BENCH1")
            admin = User(
                email="hr@bench.example",
                name="HR",
                password_hash="not-a-hash",  # noqa: S106 - nobody signs in
                role=Role.DISTRICT_ADMIN,
                district=district,
            )
            db.session.add(admin)
            db.session.flush()
            token = create_api_token(db.session, admin, "bench")
            db.session.commit()
        distinct = 100
        say(
            f"signing {distinct} distinct credentials for the batch "
            f"(repeated to {count})..."
        )
        credentials = [
            samples.credential(key, list_url=list_url, index=1000 + n)
            for n in range(distinct)
        ]
        batch = [credentials[n % distinct] for n in range(count)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
        env.update(settings)
        env["PYTHONPATH"] = str(ROOT)
        say(f"starting {workers} worker process(es), concurrency 1 each...")
        logs = []
        for number in range(workers):
            log = Path(instance) / f"worker{number}.log"
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "workers.app",
                        "worker",
                        "--loglevel",
                        "WARNING",
                        "--concurrency",
                        "1",
                        "-Q",
                        settings["PDHUB_TASK_QUEUE"],
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
        time.sleep(6)  # let the workers connect before the clock starts
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
        while True:
            with app.app_context():
                state = client.get(location, headers=headers).get_json()
            if state["status"] == "done":
                break
            if state["checked"] != last:
                say(
                    f"  {state['checked']:>6} of {state['total']} checked "
                    f"({time.perf_counter() - start:.1f} s)"
                )
                last = state["checked"]
            time.sleep(0.25)
        total = time.perf_counter() - start
        say(
            f"done: {state['verified']} verified of {state['total']} in {total:.2f} s "
            f"(accepting the POST took {posted:.2f} s)"
        )
        assert state["verified"] == count
        return {
            "batch_verify_10k_s": round(total, 2),
            "batch_post_s": round(posted, 2),
            "batch_size": count,
            "batch_workers": workers,
        }
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        if server is not None:
            server.shutdown()
        try:
            from pdhub.extensions import db

            with app.app_context():  # type: ignore[possibly-undefined]
                db.engine.dispose()
        except Exception:  # noqa: S110 - best effort before dropping the database
            pass
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    figures: dict[str, Any] = single_credential_figures()
    say(json.dumps(figures))
    figures["bulk_issue_10k_s"], figures["bulk_issue_note"] = bulk_issue_figure()
    say(f"bulk issue: {figures['bulk_issue_note']}")
    figures.update(batch_figure(options.batch, options.workers))
    figures["verify_to_ed25519_ratio"] = round(
        figures["verify_median_ms"] / figures["ed25519_verify_ms"], 1
    )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
