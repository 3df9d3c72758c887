"""HTTP benchmark: POST /api/v1/verify of an issued credential under gunicorn, against
a Flask hello world taking the same POST under the same settings, side by side.

Both run as ``gunicorn`` with the same number of sync workers on loopback; a load
generator (``wrk`` when installed, else a Python client with threads) posts the
same body to each in alternating rounds of fixed length, so machine load hits both
alike. The figure that matters is the ratio of the two in the same round.

The credential is issued by the app itself into a committed throwaway PostgreSQL
database, so its status list is this deployment's own (``/status-lists/<id>``) and
the issuer is the deployment's key: the path every real verification of our own
badges takes. The verify rate limit is raised for the run (the limiter still runs).

Run: PYTHONPATH=. python bench/verify_api.py [--rounds 3] [--seconds 5]
The last line printed is one JSON object with the figures (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.credentials import Site, create_awards, say  # noqa: E402

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("{body}", "rb")
wrk.body = file:read("*a")
file:close()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def issued_credential(site: Site) -> bytes:
    """One credential issued by the app (its own key and status list), as JSON."""
    from pdhub.credentials import service as credentials
    from pdhub.extensions import db

    award_ids = create_awards(site, 1)
    with site.app.app_context():
        assert credentials.issue_credentials(db.session, award_ids) == 1
        db.session.commit()
        db.session.remove()
    text = site.scalar("SELECT credential_json FROM issued_credentials LIMIT 1")
    return str(text).encode()


class Server:
    """``gunicorn <app>`` with ``workers`` sync workers on a free loopback port."""

    def __init__(self, app: str, workers: int, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def post(self, body: bytes) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(
                "POST",
                "/api/v1/verify",
                body=body,
                headers={"Content-Type": "application/json"},
            )
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def wait_ready(self, body: bytes, timeout: float = 60) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped; see its log")
            try:
                status, answer = self.post(body)
            except OSError:
                time.sleep(0.2)
                continue
            if status != 200:
                raise RuntimeError(f"answered {status}: {answer[:300]!r}")
            return answer
        raise TimeoutError("gunicorn did not answer in time")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def load_wrk(
    port: int, script: Path, seconds: int, threads: int, connections: int
) -> dict[str, float]:
    """Requests per second and latency percentiles from one wrk run."""
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/api/v1/verify",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    out = result.stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"some requests failed:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    return {
        "rps": rps,
        "p50_ms": _milliseconds(latency["50"]),
        "p99_ms": _milliseconds(latency["99"]),
    }


def load_python(
    port: int, body: bytes, seconds: int, threads: int, connections: int
) -> dict[str, float]:
    """The same with a Python client: ``connections`` threads posting in a loop."""
    del threads
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        while time.monotonic() < stop:
            began = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request(
                    "POST",
                    "/api/v1/verify",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
                response = conn.getresponse()
                response.read()
                status = response.status
            finally:
                conn.close()
            with lock:
                latencies.append((time.perf_counter() - began) * 1000)
                if status != 200:
                    failures.append(status)

    workers = [threading.Thread(target=run) for _ in range(connections)]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed: {failures[:5]}")
    ordered = sorted(latencies)
    return {
        "rps": len(ordered) / elapsed,
        "p50_ms": ordered[len(ordered) // 2],
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="per run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="PDHUB_NAME=VALUE",
        help="an extra setting for the app under test (to compare configurations)",
    )
    options = parser.parse_args()
    client = options.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    site = Site(0)
    servers: list[Server] = []
    folder = Path(tempfile.mkdtemp(prefix="pdhub-bench-http-"))
    try:
        body = issued_credential(site)
        body_file = folder / "credential.json"
        body_file.write_bytes(body)
        script = folder / "post.lua"
        script.write_text(WRK_SCRIPT.format(body=body_file))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
        env.update(site.settings)
        env["PDHUB_VERIFY_RATE_LIMIT"] = "1000000 per minute"
        env["PYTHONPATH"] = str(ROOT)
        env.update(setting.split("=", 1) for setting in options.setting)
        say(
            f"starting gunicorn ({options.workers} sync workers) for the app and for "
            f"a hello world; posting a {len(body) / 1000:.1f} KB issued credential..."
        )
        verify = Server("wsgi:app", options.workers, env, folder / "verify.log")
        servers.append(verify)
        hello = Server(
            "bench.hello_world:app", options.workers, env, folder / "hello.log"
        )
        servers.append(hello)
        answer = json.loads(verify.wait_ready(body))
        assert answer["verified"] is True, answer
        hello.wait_ready(body)

        def load(server: Server) -> dict[str, float]:
            if client == "wrk":
                return load_wrk(
                    server.port,
                    script,
                    options.seconds,
                    options.threads,
                    options.connections,
                )
            return load_python(
                server.port,
                body,
                options.seconds,
                options.threads,
                options.connections,
            )

        rounds = []
        for number in range(1, options.rounds + 1):
            load_before = os.getloadavg()[0]
            hello_figures = load(hello)
            verify_figures = load(verify)
            ratio = verify_figures["rps"] / hello_figures["rps"]
            rounds.append(
                {
                    "hello": hello_figures,
                    "verify": verify_figures,
                    "ratio": ratio,
                    "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                }
            )
            say(
                f"round {number}: hello world {hello_figures['rps']:.0f}/s, verify "
                f"{verify_figures['rps']:.0f}/s (p50 {verify_figures['p50_ms']:.1f} "
                f"ms, p99 {verify_figures['p99_ms']:.1f} ms), ratio {ratio:.2f}, "
                f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}"
            )
        answer = json.loads(verify.post(body)[1])
        assert answer["verified"] is True, answer
    finally:
        for server in servers:
            server.close()
        site.close()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(site.instance, ignore_errors=True)
    figures = {
        "verify_api_rps": round(statistics.median(r["verify"]["rps"] for r in rounds)),
        "hello_world_rps": round(statistics.median(r["hello"]["rps"] for r in rounds)),
        "verify_to_hello_ratio": round(
            statistics.median(r["ratio"] for r in rounds), 3
        ),
        "verify_p50_ms": round(
            statistics.median(r["verify"]["p50_ms"] for r in rounds), 2
        ),
        "verify_p99_ms": round(
            statistics.median(r["verify"]["p99_ms"] for r in rounds), 2
        ),
        "ratios": [round(r["ratio"], 3) for r in rounds],
        "load_average": [r["load"] for r in rounds],
        "credential_bytes": len(body),
        "gunicorn_workers": options.workers,
        "client": client,
        "connections": options.connections,
        "seconds_per_run": options.seconds,
    }
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
