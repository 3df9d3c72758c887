"""Community pages at scale: 100,000 teachers, 2,000 communities and 1,000,000 posts
(one thread with 10,000 replies) in PostgreSQL, the app under gunicorn, 20 signed-in
users at once on each page, beside a Flask hello world under the same settings.

Pages measured (each with ``wrk``, 20 connections, every request signed in as one of
20 teachers in turn): a community's thread list, the long thread's first and last
page, a search across every community the teacher may open, and the communities
landing page (which carries the unread count of followed discussions). SQL
statements per page are counted in a separate single request, in process, with a
SQLAlchemy event listener (not under load).

The database is committed and throwaway (``pdhub_bench_comm_<hex>``): made, migrated
with the app's migrations, filled with COPY (plain indexes dropped during the load and
rebuilt after, as a bulk load does), and dropped at the end.

Run: PYTHONPATH=. python bench/communities.py [--scale 1] [--seconds 10]
``--scale 0.1`` seeds a tenth of everything (the long thread keeps 10,000 replies).
The last line printed is one JSON object with the figures (see BENCHMARKS.md).
Needs ``wrk`` (Debian package), the local PostgreSQL (PDHUB_BENCH_ADMIN_DSN) and Redis.
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
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_DSN = os.environ.get(
    "PDHUB_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PDHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "bench-communities-Pa55-phrase"  # noqa: S105 - a throwaway database's
LONG_REPLIES = 10_000
DISTRICTS = 20
# The 20 teachers signed in for the load, all of district 1 (whose community holds
# the long thread).
SIGNED_IN = [1 + DISTRICTS * n for n in range(20)]
SEARCH_TERM = "fractions"
WORDS = (  # noqa: SIM905 - easier to read as text
    "reading writing science history geometry algebra phonics inquiry feedback "
    "rubric exit ticket station rotation small group discussion vocabulary lab "
    "project portfolio conference parent homework assessment formative summative "
    "scaffold differentiation wait time think pair share anchor chart number talk "
    "manipulatives field trip seating chart routine transition behavior morning "
    "meeting journal read aloud fluency comprehension graphic organizer debate"
).split()

WRK_SCRIPT = """
local cookies = {cookies}
local counter = 0
request = function()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  return wrk.format("GET", nil, {{["Cookie"] = cookie}})
end
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT {{\\"p50_us\\": %d, \\"p95_us\\": %d, \\"p99_us\\": %d, "
    .. "\\"requests\\": %d, \\"status_errors\\": %d, \\"socket_errors\\": %d}}\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
"""


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


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def seed(dsn: str, scale: float) -> dict[str, Any]:
    """Fill the migrated database; returns the ids the pages need."""
    import psycopg

    from pdhub.accounts.passwords import hash_password

    rng = random.Random(18)
    teachers = max(SIGNED_IN[-1], int(100_000 * scale))
    communities = max(DISTRICTS + 10, int(2_000 * scale))
    posts_total = int(1_000_000 * scale)
    other_posts = max(1_000, posts_total - (LONG_REPLIES + 1))
    threads = max(50, other_posts // 20)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    password_hash = hash_password(PASSWORD)
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers
        tables = (
            "users",
            "communities",
            "community_threads",
            "community_posts",
            "community_follows",
            "community_thread_reads",
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
            (n, f"Bench district {n}", f"BENCH{n:05d}", start, start)
            for n in range(1, DISTRICTS + 1)
        )
        Copy(
            conn,
            "users",
            ["id", "email", "name", "password_hash", "role", "district_id", "active",
             "password_changed_at", "password_version", "review_digest_email",
             "created_at", "updated_at"],
        ).load(
            (n, f"teacher{n}@bench.example", f"Teacher {n}", password_hash, "teacher",
             (n - 1) % DISTRICTS + 1, True, start, 1, False, start, start)
            for n in range(1, teachers + 1)
        )  # fmt: skip
        # One community per district, the rest topic communities (open to everyone).
        Copy(
            conn,
            "communities",
            ["id", "kind", "name", "description", "district_id", "created_at",
             "thread_count"],
        ).load(
            (n, "district" if n <= DISTRICTS else "topic", f"Community {n}",
             "A community of practice.", n if n <= DISTRICTS else None, start, 0)
            for n in range(1, communities + 1)
        )  # fmt: skip
        # Thread 1 (district 1's community) is the long one; the others spread over
        # every community, about 20 posts each.
        thread_rows: list[tuple[Any, ...]] = []
        post_rows_per_thread: list[int] = []
        for t in range(1, threads + 2):
            if t == 1:
                community, replies = 1, LONG_REPLIES
            else:
                community = (t - 2) % communities + 1
                replies = rng.randint(10, 28)
            created = start + timedelta(minutes=t)
            last = created + timedelta(minutes=replies)
            thread_rows.append(
                (t, community, rng.randint(1, teachers),
                 f"{_sentence(rng, 4).capitalize()} ({t})", t % 7 == 0, created, last,
                 replies, 0)
            )  # fmt: skip
            post_rows_per_thread.append(replies)
        Copy(
            conn,
            "community_threads",
            ["id", "community_id", "author_id", "title", "is_question", "created_at",
             "last_post_at", "reply_count", "helpful_count"],
        ).load(iter(thread_rows))  # fmt: skip

        def posts() -> Iterator[tuple[Any, ...]]:
            post_id = 0
            for row, replies in zip(thread_rows, post_rows_per_thread, strict=True):
                thread_id, created = row[0], row[5]
                for n in range(replies + 1):
                    post_id += 1
                    words = _sentence(rng, 18)
                    if rng.random() < 0.01:
                        words += f" {SEARCH_TERM}"
                    text = f"{row[3]} {words}" if n == 0 else words
                    yield (post_id, thread_id, rng.randint(1, teachers), n == 0,
                           words, f"<p>{words}</p>", text,
                           created + timedelta(minutes=n), 0)  # fmt: skip

        posts_count = Copy(
            conn,
            "community_posts",
            ["id", "thread_id", "author_id", "is_opening", "body_markdown",
             "body_html", "search_text", "created_at", "helpful_count"],
        ).load(posts())  # fmt: skip
        say(f"  {posts_count:,} posts copied in {time.perf_counter() - started:.0f} s")
        # Follows and read markers: every teacher follows a few threads and has read
        # some; the signed-in teachers follow their district community too.
        follow_id = 0
        follows: list[tuple[Any, ...]] = []
        reads: list[tuple[Any, ...]] = []
        for user in range(1, teachers + 1):
            for thread_id in {rng.randint(1, threads + 1) for _ in range(3)} | (
                {1} if user in SIGNED_IN else set()
            ):
                follow_id += 1
                follows.append((follow_id, user, None, thread_id, start))
                if rng.random() < 0.6:
                    reads.append(
                        (len(reads) + 1, user, thread_id, start + timedelta(days=1))
                    )
            if user in SIGNED_IN:
                follow_id += 1
                follows.append((follow_id, user, 1, None, start))
        Copy(
            conn,
            "community_follows",
            ["id", "user_id", "community_id", "thread_id", "created_at"],
        ).load(iter(follows))
        Copy(
            conn, "community_thread_reads", ["id", "user_id", "thread_id", "read_at"]
        ).load(iter(reads))
        conn.execute(
            "UPDATE communities c SET thread_count = s.n, last_activity_at = s.last "
            "FROM (SELECT community_id, count(*) AS n, max(last_post_at) AS last "
            "FROM community_threads GROUP BY community_id) s "
            "WHERE s.community_id = c.id"
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
        "communities": communities,
        "threads": threads + 1,
        "posts": posts_count,
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
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- measuring ----------------------------------------------------------------------


def queries_per_page(
    settings: dict[str, str], cookie: str, pages: dict[str, str]
) -> dict[str, int]:
    """SQL statements for one request of each page, in process (second request: the
    first makes the read markers)."""
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

    counts = {}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for name, path in pages.items():
                client.get(path)
                statements.clear()
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                counts[name] = len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
            db.engine.dispose()
    return counts


def load(
    port: int, path: str, script: Path, seconds: int, threads: int, connections: int
) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout",
         "10s", "-s", str(script), f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    found = re.search(r"^RESULT (.*)$", result.stdout, re.MULTILINE)
    assert found is not None, result.stdout + result.stderr
    figures = json.loads(found.group(1))
    if figures["status_errors"]:
        raise RuntimeError(f"{path}: some requests failed:\n{result.stdout}")
    # wrk leaves out of its percentiles the requests it gave up on (10 s) and those
    # still running at the end: when any timed out, or none finished, the page's
    # percentiles are at least the timeout.
    if figures["socket_errors"] or not figures["requests"]:
        floor = 10_000_000
        for name in ("p50_us", "p95_us", "p99_us"):
            figures[name] = (
                max(figures[name], floor)
                if name != "p50_us"
                else (figures[name] if figures["requests"] else floor)
            )
    return {
        "requests": figures["requests"],
        "timeouts": figures["socket_errors"],
        "rps": round(figures["requests"] / seconds, 1),
        "p50_ms": round(figures["p50_us"] / 1000, 1),
        "p95_ms": round(figures["p95_us"] / 1000, 1),
        "p99_ms": round(figures["p99_us"] / 1000, 1),
    }


def single_user_ms(server: Server, path: str, cookie: str, repeat: int = 15) -> float:
    """Median of ``repeat`` requests one after another (no concurrency)."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        status, _, _, _ = server.request("GET", path, cookie=cookie)
        times.append((time.perf_counter() - began) * 1000)
        assert status == 200, (path, status)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=int, default=10, help="per page")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (and print its name)"
    )
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    import psycopg
    from cryptography.fernet import Fernet

    name = f"pdhub_bench_comm_{secrets.token_hex(3)}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    folder = Path(tempfile.mkdtemp(prefix="pdhub-bench-comm-"))
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
        say(f"seeding {name} at scale {options.scale}...")
        sizes = seed(dsn, options.scale)
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
        app_server.wait_ready("/signin")
        hello.wait_ready("/")
        cookies = [sign_in(app_server, f"teacher{n}@bench.example") for n in SIGNED_IN]
        last_page = -(-(LONG_REPLIES + 1) // 20)
        pages = {
            "community": "/communities/1",
            "thread_first": "/communities/1/threads/1",
            "thread_last": f"/communities/1/threads/1?page={last_page}",
            "search": f"/communities/search?q={SEARCH_TERM}",
            "unread_count": "/communities",
        }
        cookies_by_page = dict.fromkeys([*pages, "hello"], cookies)
        for page, path in pages.items():
            status, _, text, _ = app_server.request(
                "GET", path, cookie=cookies_by_page[page][0]
            )
            assert status == 200, (page, status)
            say(f"  {page}: {path} answers 200, {len(text.encode()) / 1000:.1f} KB")
        counts = queries_per_page(settings, cookies[0], pages)
        say(f"queries per page: {json.dumps(counts)}")
        single = {
            page: single_user_ms(app_server, path, cookies_by_page[page][0])
            for page, path in pages.items()
        }
        say(f"one user at a time, median ms: {json.dumps(single)}")
        scripts = {}
        for page, chosen in cookies_by_page.items():
            scripts[page] = folder / f"{page}.lua"
            lua_list = "{" + ", ".join(json.dumps(c) for c in chosen) + "}"
            scripts[page].write_text(WRK_SCRIPT.format(cookies=lua_list))
        rounds: list[dict[str, Any]] = []
        for number in range(1, options.rounds + 1):
            before = os.getloadavg()[0]
            figures: dict[str, Any] = {
                "hello": load(
                    hello.port,
                    "/",
                    scripts["hello"],
                    options.seconds,
                    options.threads,
                    options.connections,
                )  # fmt: skip
            }
            for page, path in pages.items():
                figures[page] = load(
                    app_server.port, path, scripts[page], options.seconds,
                    options.threads, options.connections,
                )  # fmt: skip
                say(f"round {number} {page}: {json.dumps(figures[page])}")
            figures["load"] = [round(before, 2), round(os.getloadavg()[0], 2)]
            say(f"round {number} hello world: {json.dumps(figures['hello'])}")
            rounds.append(figures)
    finally:
        for server in servers:
            server.close()
        if options.keep:
            say(f"kept database {name}")
        else:
            with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)

    def median(page: str, figure: str) -> float:
        return round(float(statistics.median(r[page][figure] for r in rounds)), 1)

    per_page = {
        page: {
            "p50_ms": median(page, "p50_ms"),
            "p95_ms": median(page, "p95_ms"),
            "rps": median(page, "rps"),
            "single_user_ms": single[page],
        }
        for page in pages
    }
    print(
        json.dumps(
            {
                "posts": sizes["posts"],
                "p95_ms": max(p["p95_ms"] for p in per_page.values()),
                "queries_per_page": counts,
                "pages": per_page,
                "hello_world": {
                    "p95_ms": median("hello", "p95_ms"),
                    "rps": median("hello", "rps"),
                },
                "scale": options.scale,
                "sizes": sizes,
                "load_average": [r["load"] for r in rounds],
                "gunicorn_workers": options.workers,
                "connections": options.connections,
                "seconds_per_page": options.seconds,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
