"""District pages at scale: 100,000 teachers in 10 districts of 100 schools each
(1,000 schools), 1,000,000 enrollments, their awards, assignments and learning done
elsewhere in PostgreSQL, the app under gunicorn, 20 district administrators of one
district (10,000 teachers, 100 schools) at once on each page, beside a Flask hello
world under the same gunicorn settings in the same run.

Pages measured: the dashboard (``/district``), the staff progress list
(``/district/staff``), the hours ledger (``/district/ledger``) and the two CSV exports
(``/district/staff.csv``: one row per person and assignment, about 100,000 at full
scale; ``/district/ledger.csv``: one per teacher). Each page is loaded by
``--users`` threads, each a signed-in administrator sending one request after
another for ``--seconds``; p50 and p95 come from every request's time. SQL
statements per page are counted in a separate single request, in process, with a
SQLAlchemy event listener (not under load). The CSV export's memory is the growth
of the serving gunicorn worker's peak RSS (VmHWM, reset through
/proc/<pid>/clear_refs) over its RSS before one export, with one worker serving.

The database is committed and throwaway (``pdhub_bench_district_<hex>``): made,
migrated with the app's migrations, the catalog's modules imported (and copied to 20
module slugs), filled with COPY (plain indexes dropped during the load and rebuilt
after, as a bulk load does), and dropped at the end.

Run: PYTHONPATH=. python bench/district.py [--scale 1] [--seconds 10]
The last line printed is one JSON object with the figures (see BENCHMARKS.md).
Needs the local PostgreSQL (PDHUB_BENCH_ADMIN_DSN) and Redis.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_DSN = os.environ.get(
    "PDHUB_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PDHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "bench-district-Pa55-phrase"  # noqa: S105 - a throwaway database's
DISTRICTS = 10
MODULES = 20
ENROLLMENTS_PER_TEACHER = 10
# District 1's assignments: EVERYONE_ASSIGNMENTS for all its teachers (half of them
# past due), one for a school and one for a list of people.
EVERYONE_ASSIGNMENTS = 10
LISTED_PEOPLE = 50
ADMINS = 20  # district 1's administrators, the signed-in users
# Staff pages need two-factor sign-in: the administrators share one TOTP secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - a throwaway database's


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- seeding ------------------------------------------------------------------------


class Copy:
    """Rows for one table, streamed with COPY."""

    def __init__(self, conn: Any, table: str, columns: list[str]) -> None:
        self.conn, self.table, self.columns = conn, table, columns

    def load(self, rows: Iterator[tuple[Any, ...]]) -> int:
        count = 0
        names = ", ".join(self.columns)
        statement = f"COPY {self.table} ({names}) FROM STDIN"
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count


def import_modules(settings: dict[str, str]) -> None:
    """The catalog's real modules, through the app's importer."""
    from pdhub import create_app
    from pdhub.extensions import db
    from pdhub.learning.importer import import_folder

    app = create_app(dict(settings))
    with app.app_context():
        for folder in sorted((ROOT / "modules").iterdir()):
            if (folder / "module.yaml").exists() or (folder / "module.yml").exists():
                import_folder(db.session, folder)
        db.session.commit()
        db.engine.dispose()


def _copy_modules(conn: Any) -> list[tuple[int, str]]:
    """Copies of the imported modules under new slugs, up to MODULES in all."""
    columns = [
        name
        for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'modules' AND column_name NOT IN ('id', 'slug') "
            "ORDER BY ordinal_position"
        )
    ]
    originals = [
        row[0] for row in conn.execute("SELECT id FROM modules ORDER BY id").fetchall()
    ]
    if not originals:
        raise RuntimeError("no module imported from modules/")
    names = ", ".join(columns)
    copies = 0
    while len(originals) + copies < MODULES:
        source = originals[copies % len(originals)]
        conn.execute(
            f"INSERT INTO modules (slug, {names}) "  # noqa: S608 - our column names
            f"SELECT slug || '-copy{copies}', {names} FROM modules WHERE id = %s",
            [source],
        )
        copies += 1
    return [
        (int(i), str(s))
        for i, s in conn.execute("SELECT id, slug FROM modules ORDER BY id")
    ]


def seed(dsn: str, scale: float, data_key: str) -> dict[str, Any]:
    """Fill the migrated database (modules already imported); returns the sizes."""
    import psycopg
    from cryptography.fernet import Fernet

    from pdhub.accounts.passwords import hash_password

    rng = random.Random(19)
    teachers = max(DISTRICTS * 10, int(100_000 * scale))
    schools_per_district = max(2, int(1_000 * scale) // DISTRICTS)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    created = now - timedelta(days=800)
    password_hash = hash_password(PASSWORD)
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        modules = _copy_modules(conn)
        conn.execute("SET session_replication_role = replica")  # no FK triggers
        tables = (
            "users",
            "schools",
            "enrollments",
            "awards",
            "assignments",
            "assignment_people",
            "external_learning",
            "module_credits",
        )
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(tables)],
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        Copy(
            conn, "districts", ["id", "name", "join_code", "created_at", "updated_at"]
        ).load(
            (n, f"Bench district {n}", f"BENCH{n:05d}", created, created)
            for n in range(1, DISTRICTS + 1)
        )
        Copy(
            conn, "schools", ["id", "district_id", "name", "created_at", "updated_at"]
        ).load(
            ((d - 1) * schools_per_district + s, d, f"School {d}-{s:03d}", created,
             created)
            for d in range(1, DISTRICTS + 1)
            for s in range(1, schools_per_district + 1)
        )  # fmt: skip

        def school_of(user: int) -> int:
            district = (user - 1) % DISTRICTS + 1
            return (
                (district - 1) * schools_per_district
                + ((user - 1) // DISTRICTS) % schools_per_district
                + 1
            )

        columns = ["id", "email", "name", "password_hash", "role", "district_id",
                   "school_id", "active", "password_changed_at", "password_version",
                   "review_digest_email", "created_at", "updated_at", "totp_secret",
                   "totp_enabled_at"]  # fmt: skip
        users = Copy(conn, "users", columns)
        users.load(
            (n, f"teacher{n}@bench.example", f"Teacher {rng.randint(1, 10**6):07d}",
             password_hash, "teacher", (n - 1) % DISTRICTS + 1, school_of(n), True,
             created, 1, False, created, created, None, None)
            for n in range(1, teachers + 1)
        )  # fmt: skip
        admins = list(range(teachers + 1, teachers + ADMINS + 1))
        secret = Fernet(data_key).encrypt(TOTP_SECRET.encode())
        users.load(
            (n, f"admin{n - teachers}@bench.example", f"Admin {n - teachers}",
             password_hash, "district_admin", 1, None, True, created, 1, False,
             created, created, secret, created)
            for n in admins
        )  # fmt: skip
        # Enrollments: ENROLLMENTS_PER_TEACHER distinct modules each, started over
        # the last two years; 55 % completed (with an award), 35 % in progress, 10 %
        # withdrawn.
        enrollment_rows: list[tuple[Any, ...]] = []
        award_rows: list[tuple[Any, ...]] = []
        module_ids = [m for m, _slug in modules]
        for user in range(1, teachers + 1):
            for module_id in rng.sample(module_ids, ENROLLMENTS_PER_TEACHER):
                began = now - timedelta(minutes=rng.randint(60, 720 * 24 * 60))
                draw = rng.random()
                completed_at = None
                status = "in_progress"
                if draw < 0.55:
                    status = "completed"
                    completed_at = min(
                        now, began + timedelta(minutes=rng.randint(60, 60 * 24 * 60))
                    )
                elif draw > 0.9:
                    status = "withdrawn"
                enrollment_id = len(enrollment_rows) + 1
                enrollment_rows.append(
                    (enrollment_id, user, module_id, status, "en", began,
                     completed_at or began, completed_at)
                )  # fmt: skip
                if completed_at is not None:
                    award_rows.append(
                        (len(award_rows) + 1, enrollment_id, user, module_id,
                         completed_at, False)
                    )  # fmt: skip
        enrollments = Copy(
            conn,
            "enrollments",
            ["id", "user_id", "module_id", "status", "language", "started_at",
             "last_activity_at", "completed_at"],
        ).load(iter(enrollment_rows))  # fmt: skip
        del enrollment_rows
        awards = Copy(
            conn,
            "awards",
            ["id", "enrollment_id", "user_id", "module_id", "awarded_at",
             "name_in_credential"],
        ).load(iter(award_rows))  # fmt: skip
        del award_rows
        say(f"  {enrollments:,} enrollments copied in "
            f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        # Every district: EVERYONE_ASSIGNMENTS for everyone (every other one past
        # due), one for its first school, one for LISTED_PEOPLE of its teachers.
        slugs = [slug for _id, slug in modules]
        assignment_rows: list[tuple[Any, ...]] = []
        people_rows: list[tuple[Any, ...]] = []
        for district in range(1, DISTRICTS + 1):
            for n in range(EVERYONE_ASSIGNMENTS):
                due = today + timedelta(days=(-30 if n % 2 else 30) + n)
                assignment_rows.append(
                    (len(assignment_rows) + 1, district, slugs[n % len(slugs)],
                     "everyone", None, due, created)
                )  # fmt: skip
            assignment_rows.append(
                (len(assignment_rows) + 1, district, slugs[-1], "school",
                 (district - 1) * schools_per_district + 1, today - timedelta(days=7),
                 created)
            )  # fmt: skip
            assignment_rows.append(
                (len(assignment_rows) + 1, district, slugs[-2], "people", None,
                 today - timedelta(days=3), created)
            )  # fmt: skip
            listed = range(district, teachers + 1, DISTRICTS)
            for user in list(listed)[:LISTED_PEOPLE]:
                people_rows.append((len(people_rows) + 1, len(assignment_rows), user))
        Copy(
            conn,
            "assignments",
            ["id", "district_id", "module_slug", "target", "school_id", "due_date",
             "created_at"],
        ).load(iter(assignment_rows))  # fmt: skip
        Copy(conn, "assignment_people", ["id", "assignment_id", "user_id"]).load(
            iter(people_rows)
        )
        # Learning done elsewhere: one request for every fifth teacher.
        statuses = ("approved", "approved", "with_district", "returned")
        external = Copy(
            conn,
            "external_learning",
            ["id", "district_id", "user_id", "title", "provider", "started_on",
             "ended_on", "hours", "description", "certificate_filename",
             "certificate_media_type", "certificate_size", "certificate_sha256",
             "certificate_key", "status", "language", "submitted_at", "created_at"],
        ).load(
            (n, (user - 1) % DISTRICTS + 1, user, "Summer institute", "A university",
             ended - timedelta(days=2), ended, float(rng.choice((3, 6, 12))), "",
             "certificate.pdf", "application/pdf", 1000, "0" * 64, f"bench/{n}",
             statuses[n % 4], "en", now, now)
            for n, user in enumerate(range(1, teachers + 1, 5), start=1)
            for ended in [today - timedelta(days=rng.randint(1, 500))]
        )  # fmt: skip
        Copy(
            conn,
            "module_credits",
            ["id", "district_id", "module_slug", "salary", "recertification", "units",
             "updated_at"],
        ).load(
            (n * DISTRICTS + d, d, slug, n % 2 == 0, True, 1.5, created)
            for d in range(1, DISTRICTS + 1)
            for n, slug in enumerate(slugs[:5])
        )  # fmt: skip
        year = today.year if today.month >= 7 else today.year - 1  # July: the default
        conn.execute(
            "INSERT INTO hours_targets (district_id, year, hours) "
            "SELECT id, %s, 20 FROM districts",
            [year],
        )
        for table in ("districts", *tables):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our table names
                f"(SELECT max(id) FROM {table}))"
            )
        conn.commit()
        say(f"  rebuilding {len(indexes)} indexes...")
        for _name, definition in indexes:
            conn.execute(definition)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return {
        "teachers": teachers,
        "schools": schools_per_district * DISTRICTS,
        "measured_district_teachers": len(range(1, teachers + 1, DISTRICTS)),
        "measured_district_schools": schools_per_district,
        "modules": len(modules),
        "enrollments": enrollments,
        "awards": awards,
        "assignments": len(assignment_rows),
        "external_learning": external,
        "admins": admins,
        "seed_s": round(time.perf_counter() - started, 1),
    }


# --- serving and signing in -----------------------------------------------------------


class Server:
    """``gunicorn <app>`` with ``workers`` sync workers on a free loopback port."""

    def __init__(self, app: str, workers: int, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers),
             "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}", app],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def request(
        self, method: str, path: str, body: str | None = None, cookie: str = ""
    ) -> tuple[int, dict[str, str], str, list[str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            cookies = response.headers.get_all("Set-Cookie") or []
            return response.status, dict(response.headers), text, cookies
        finally:
            conn.close()

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped; see its log")
            try:
                self.request("GET", path)
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("gunicorn did not answer in time")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def _cookie_pairs(set_cookies: list[str], jar: dict[str, str]) -> dict[str, str]:
    for header in set_cookies:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def sign_in(server: Server, email: str) -> str:
    """Sign in through the form, as a browser does; the Cookie header to send."""
    import pyotp

    status, _, page, set_cookies = server.request("GET", "/signin")
    assert status == 200, status
    jar = _cookie_pairs(set_cookies, {})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    )
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, _, set_cookies = server.request("POST", "/signin", body, cookie)
    assert status == 303, f"sign-in answered {status}"
    jar = _cookie_pairs(set_cookies, jar)
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    # The second step: the code from the administrator's authenticator.
    status, _, page, set_cookies = server.request("GET", "/signin/code", cookie=cookie)
    assert status == 200, f"the code page answered {status}"
    jar = _cookie_pairs(set_cookies, jar)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None, "no CSRF token on the code page"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "code": pyotp.TOTP(TOTP_SECRET).now()}
    )
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, _, _, set_cookies = server.request("POST", "/signin/code", body, cookie)
    assert status == 303, f"the code answered {status}"
    jar = _cookie_pairs(set_cookies, jar)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- measuring ----------------------------------------------------------------------


def queries_per_page(
    settings: dict[str, str], cookie: str, pages: dict[str, str]
) -> dict[str, int]:
    """SQL statements for one request of each page, in process (the second request,
    so that nothing made once is counted)."""
    from sqlalchemy import event

    from pdhub import create_app
    from pdhub.extensions import db

    app = create_app(dict(settings))
    client = app.test_client()
    for pair in cookie.split("; "):
        name, _, value = pair.partition("=")
        client.set_cookie(name, value, domain="localhost")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    counts: dict[str, int] = {}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for name, path in pages.items():
                # A streamed export runs its statements while its body is read:
                # read it all (and close it) before counting.
                with client.get(path) as response:
                    response.get_data()
                statements.clear()
                with client.get(path) as response:
                    response.get_data()
                    assert response.status_code == 200, (path, response.status_code)
                counts[name] = len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
            db.engine.dispose()
    return counts


def load(
    server: Server, path: str, cookies: list[str], seconds: float, users: int
) -> dict[str, float]:
    """``users`` threads, each sending one request after another with its own
    cookie for ``seconds``; every request's time counts, even one still running at
    the end (it is waited for)."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(number: int) -> None:
        cookie = cookies[number % len(cookies)]
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                status, _, _, _ = server.request("GET", path, cookie=cookie)
            except OSError as error:
                status, text = 0, str(error)
            else:
                text = str(status)
            took = (time.perf_counter() - began) * 1000
            with lock:
                times.append(took)
                if status != 200:
                    errors.append(text)

    with ThreadPoolExecutor(max_workers=users) as pool:
        list(pool.map(user, range(users)))
    if errors:
        raise RuntimeError(f"{path}: {len(errors)} requests failed: {errors[:3]}")
    ordered = sorted(times)

    def nearest(fraction: float) -> float:
        return round(ordered[max(0, int(fraction * len(ordered) + 0.5) - 1)], 1)

    return {
        "requests": len(ordered),
        "rps": round(len(ordered) / seconds, 1),
        "p50_ms": nearest(0.50),
        "p95_ms": nearest(0.95),
        "p99_ms": nearest(0.99),
    }


def single_user_ms(server: Server, path: str, cookie: str, repeat: int = 7) -> float:
    """Median of ``repeat`` requests one after another (no concurrency)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        status, _, _, _ = server.request("GET", path, cookie=cookie)
        times.append((time.perf_counter() - began) * 1000)
        assert status == 200, (path, status)
    return round(statistics.median(times), 1)


def _kib(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    assert found is not None, field
    return int(found.group(1))


def export_memory(server: Server, path: str, cookie: str) -> dict[str, Any]:
    """One export from a one-worker gunicorn: the worker's peak RSS growth over its
    RSS before the request (peak reset first), the rows and the bytes."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid:
            workers.append(int(stat.parent.name))
    assert len(workers) == 1, workers
    worker = workers[0]
    server.request("GET", path, cookie=cookie)  # warm: imports, caches
    Path(f"/proc/{worker}/clear_refs").write_text("5")  # resets VmHWM to VmRSS
    before = _kib(worker, "VmRSS")
    began = time.perf_counter()
    status, headers, text, _ = server.request("GET", path, cookie=cookie)
    took = time.perf_counter() - began
    assert status == 200, status
    peak = _kib(worker, "VmHWM")
    return {
        "path": path,
        "rows": max(0, text.count("\n") - 1),
        "bytes": len(text.encode()),
        "seconds": round(took, 2),
        "rss_before_mib": round(before / 1024, 1),
        "peak_growth_mib": round((peak - before) / 1024, 1),
        "streamed": "Content-Length" not in headers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10, help="per page")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (and print its name)"
    )
    options = parser.parse_args()
    import psycopg
    from cryptography.fernet import Fernet

    name = f"pdhub_bench_district_{secrets.token_hex(3)}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    folder = Path(tempfile.mkdtemp(prefix="pdhub-bench-district-"))
    settings = {
        "PDHUB_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/" + name,
        "PDHUB_REDIS_URL": REDIS_URL,
        "PDHUB_INSTANCE_PATH": str(folder),
        "PDHUB_TASK_QUEUE": f"pdhub-bench-{secrets.token_hex(3)}",
        "PDHUB_BASE_URL": "http://localhost",
        "PDHUB_SECRET_KEY": secrets.token_urlsafe(48),
        "PDHUB_DATA_KEY": Fernet.generate_key().decode(),
    }
    servers: list[Server] = []
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        from flask_migrate import upgrade

        from pdhub import create_app
        from pdhub.extensions import db

        app = create_app(dict(settings))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        import_modules(settings)
        say(f"seeding {name} at scale {options.scale}...")
        sizes = seed(dsn, options.scale, settings["PDHUB_DATA_KEY"])
        admins = sizes.pop("admins")
        say(f"seeded: {json.dumps(sizes)}")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
        env.update(settings)
        env["PYTHONPATH"] = str(ROOT)
        app_server = Server("wsgi:app", options.workers, env, folder / "app.log")
        servers.append(app_server)
        hello = Server(
            "bench.hello_world:app", options.workers, env, folder / "hello.log"
        )
        servers.append(hello)
        single_worker = Server("wsgi:app", 1, env, folder / "one.log")
        servers.append(single_worker)
        app_server.wait_ready("/signin")
        hello.wait_ready("/")
        single_worker.wait_ready("/signin")
        emails = [f"admin{n - admins[0] + 1}@bench.example" for n in admins]
        cookies = [sign_in(app_server, email) for email in emails]
        pages = {
            "dashboard": "/district",
            "staff": "/district/staff",
            "ledger": "/district/ledger",
            "staff_csv": "/district/staff.csv",
            "ledger_csv": "/district/ledger.csv",
        }
        sizes_kb: dict[str, float] = {}
        for page, path in pages.items():
            status, _, text, _ = app_server.request("GET", path, cookie=cookies[0])
            assert status == 200, (page, status)
            sizes_kb[page] = round(len(text.encode()) / 1000, 1)
            say(f"  {page}: {path} answers 200, {sizes_kb[page]} KB")
        memory = {
            page: export_memory(single_worker, pages[page], cookies[0])
            for page in ("staff_csv", "ledger_csv")
        }
        say(f"CSV export memory: {json.dumps(memory)}")
        single_worker.close()
        counts = queries_per_page(settings, cookies[0], pages)
        say(f"queries per page: {json.dumps(counts)}")
        single = {
            page: single_user_ms(app_server, path, cookies[0])
            for page, path in pages.items()
        }
        say(f"one user at a time, median ms: {json.dumps(single)}")
        before = os.getloadavg()[0]
        figures: dict[str, Any] = {
            "hello": load(hello, "/", [""], options.seconds, options.users)
        }
        say(f"hello world: {json.dumps(figures['hello'])}")
        for page, path in pages.items():
            figures[page] = load(
                app_server, path, cookies, options.seconds, options.users
            )
            say(f"{page}: {json.dumps(figures[page])}")
        load_average = [round(before, 2), round(os.getloadavg()[0], 2)]
    finally:
        for server in servers:
            server.close()
        if options.keep:
            say(f"kept database {name}")
        else:
            with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)

    per_page = {
        page: {**figures[page], "single_user_ms": single[page], "kb": sizes_kb[page]}
        for page in pages
    }
    print(
        json.dumps(
            {
                "teachers": sizes["teachers"],
                "p95_ms": max(p["p95_ms"] for p in per_page.values()),
                "hello_world_rps": figures["hello"]["rps"],
                "queries_per_page": counts,
                "pages": per_page,
                "hello_world": figures["hello"],
                "csv_export_memory": memory,
                "scale": options.scale,
                "sizes": sizes,
                "load_average": load_average,
                "gunicorn_workers": options.workers,
                "users": options.users,
                "seconds_per_page": options.seconds,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
