"""Grading throughput: a burst of submissions through Redis to 2 worker processes.

Creates a throwaway PostgreSQL database, migrates it, seeds a district, a coach, a
module and N teachers with draft evidence, starts ``celery worker -c 2`` on real Redis,
then submits every draft in batches of simultaneous submits (each: snapshot the
version, status SUBMITTED, the submitted signal queues ``pdhub.screen_submission``;
the jobs go to Redis after the batch's commit). It waits until every submission is
routed (in review or returned) and reports submit-to-routed latency from the database
timestamps. The last line is JSON.

    PYTHONPATH=. python bench/grading.py [--submissions 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pdhub import create_app  # noqa: E402
from pdhub.accounts.models import Role, User  # noqa: E402
from pdhub.db import utcnow  # noqa: E402
from pdhub.districts.models import District  # noqa: E402
from pdhub.extensions import db  # noqa: E402
from pdhub.learning.models import Enrollment, Module  # noqa: E402
from pdhub.review.models import CoachAssignment  # noqa: E402
from pdhub.submissions.models import Submission, SubmissionVersion  # noqa: E402
from pdhub.submissions.states import SubmissionStatus  # noqa: E402

ADMIN_DSN = os.environ.get(
    "PDHUB_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PDHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def log(message: str) -> None:
    print(message, flush=True)


def seed(app, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Bulk-insert the district, coach, module and ``count`` teachers with drafts."""
    from pdhub import demo

    with app.app_context():
        district = District(name="Bench District", join_code="BENCH001")
        db.session.add(district)
        db.session.flush()
        coach = User(
            email="coach@bench.example.org",
            name="Bench Coach",
            password_hash="!",  # noqa: S106 - unusable: bench accounts never sign in
            role=Role.COACH,
            district_id=district.id,
            email_verified_at=utcnow(),
        )
        db.session.add(coach)
        db.session.flush()
        db.session.add(CoachAssignment(coach_id=coach.id, district_id=district.id))
        from pdhub.learning import importer

        for folder in importer.package_folders(ROOT / "modules"):
            importer.import_folder(db.session, folder)
        module = demo._review_modules(db.session)[0]
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"t{i}@bench.example.org",
                    "name": f"Teacher {i}",
                    "password_hash": "!",
                    "role": Role.TEACHER,
                    "district_id": district.id,
                    # Confirmed addresses: unconfirmed ones hold their badges.
                    "email_verified_at": utcnow(),
                }
                for i in range(count)
            ],
        )
        teacher_ids = db.session.scalars(
            select(User.id).where(User.role == Role.TEACHER).order_by(User.id)
        ).all()
        db.session.execute(
            insert(Enrollment),
            [{"user_id": uid, "module_id": module.id} for uid in teacher_ids],
        )
        enrollment_ids = db.session.scalars(
            select(Enrollment.id).order_by(Enrollment.id)
        ).all()
        rows = []
        for n, eid in enumerate(enrollment_ids):
            words = {
                "subject": ("science", "history", "art", "maths")[n % 4],
                "students": 20 + n % 11,
                "grade": f"grade {6 + n % 3}",
                "mobile": 3 + n % 7,
                "before": 5 + n % 9,
                "after": 15 + n % 9,
            }
            rows.append(
                {
                    "enrollment_id": eid,
                    "status": SubmissionStatus.DRAFT,
                    "context_text": demo._DEMO_CONTEXT.format(**words),
                    "reflection_text": demo._DEMO_REFLECTION.format(**words),
                    "links": [
                        {"url": f"https://example.org/plan/{n}", "title": "Plan"},
                        {"url": f"https://example.org/work/{n}", "title": "Work"},
                    ],
                }
            )
        db.session.execute(insert(Submission), rows)
        db.session.commit()
        ids = db.session.scalars(select(Submission.id).order_by(Submission.id)).all()
        db.session.remove()
        return list(ids)


def submit(submission_ids: list[int]) -> None:
    """A batch of teachers submitting at the same moment, through
    submissions.service.submit (each queues its screening job); one commit, after
    which the jobs go to Redis."""
    from pdhub.submissions import service as submissions

    session = db.session
    for submission in session.scalars(
        select(Submission).where(Submission.id.in_(submission_ids))
    ):
        submissions.submit(session, submission.enrollment.user, submission)
    session.commit()


def reference_screenings_per_second(app) -> float:  # type: ignore[no-untyped-def]
    """Machine-speed reference: the graders alone, in process, on one version."""
    from pdhub import demo
    from pdhub.review import graders

    with app.app_context():
        module = db.session.scalars(select(Module)).first()
        words = {
            "subject": "art",
            "students": 25,
            "grade": "grade 7",
            "mobile": 4,
            "before": 8,
            "after": 19,
        }
        version = SubmissionVersion(
            number=1,
            context_text=demo._DEMO_CONTEXT.format(**words),
            reflection_text=demo._DEMO_REFLECTION.format(**words),
            links=[{"url": "https://example.org/a"}],
            artifact_ids=[],
        )
        others = [
            (i, graders.sketch(f"{i} {version.context_text}"))
            for i in range(graders.SIMILARITY_RECENT)
        ]
        data = graders.ScreeningInput(
            version=version,
            module=module,
            artifacts=[],
            read=lambda a: b"",
            others=lambda: others,
        )
        rounds = 0
        started = time.perf_counter()
        while time.perf_counter() - started < 2:
            graders.screen(data)
            rounds += 1
        db.session.remove()
        return rounds / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--batch",
        type=int,
        default=100,
        help="submissions committed together (web requests at once)",
    )
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    run = secrets.token_hex(4)
    name = f"pdhub_bench_{run}"
    instance = Path(tempfile.mkdtemp(prefix="pdhub-bench-"))
    settings = {
        "PDHUB_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        "PDHUB_INSTANCE_PATH": str(instance),
        "PDHUB_SECRET_KEY": secrets.token_urlsafe(48),
        "PDHUB_DATA_KEY": Fernet.generate_key().decode(),
        "PDHUB_REDIS_URL": REDIS_URL,
        "PDHUB_TASK_QUEUE": f"pdhub-bench-{run}",
        "PDHUB_MODULES_PATH": str(ROOT / "modules"),
    }
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    worker = None
    try:
        app = create_app(settings)
        with app.app_context():
            from flask_migrate import upgrade

            log(f"database {name}: migrating")
            upgrade()
        log(f"seeding {args.submissions} teachers with draft evidence")
        ids = seed(app, args.submissions)
        reference = reference_screenings_per_second(app)
        log(
            f"reference: the graders alone screen {reference:.0f} versions/s in process"
        )

        env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
        env.update(settings)
        env["PYTHONPATH"] = str(ROOT)
        worker_log = instance / "worker.log"
        log(f"starting celery worker --concurrency {args.concurrency} on {REDIS_URL}")
        with worker_log.open("wb") as out:
            worker = subprocess.Popen(
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
                    str(args.concurrency),
                    "-Q",
                    settings["PDHUB_TASK_QUEUE"],
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--hostname",
                    f"bench-{run}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        time.sleep(1)
        import redis

        store = redis.Redis.from_url(REDIS_URL)
        # Ready when a worker consumes from the queue (kombu binds it on start).
        deadline = time.monotonic() + 60
        while not list(
            store.scan_iter(f"_kombu.binding.{settings['PDHUB_TASK_QUEUE']}")
        ):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("worker did not start:\n" + worker_log.read_text())
            time.sleep(0.2)
        time.sleep(2)

        log(f"submitting {len(ids)} drafts, {args.batch} per transaction")
        started = time.perf_counter()
        with app.app_context():
            for n in range(0, len(ids), args.batch):
                submit(ids[n : n + args.batch])
                db.session.remove()
            log(f"  submitted {len(ids)} ({time.perf_counter() - started:.1f} s)")
        submit_seconds = time.perf_counter() - started
        log(f"all submitted in {submit_seconds:.2f} s; waiting for routing")

        routed_states = [SubmissionStatus.IN_REVIEW, SubmissionStatus.RETURNED]
        deadline = time.monotonic() + args.timeout
        with app.app_context():
            while True:
                routed = db.session.scalar(
                    select(func.count(Submission.id)).where(
                        Submission.status.in_(routed_states)
                    )
                )
                db.session.remove()
                if routed >= len(ids):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {routed} of {len(ids)} routed in time")
                time.sleep(0.2)
            rows = db.session.execute(
                select(
                    SubmissionVersion.submitted_at, Submission.status_changed_at
                ).join(Submission, Submission.id == SubmissionVersion.submission_id)
            ).all()
            db.session.remove()
        latencies = sorted(
            (routed_at - submitted).total_seconds() * 1000
            for submitted, routed_at in rows
        )
        first = min(submitted for submitted, _ in rows)
        last = max(routed_at for _, routed_at in rows)
        span = (last - first).total_seconds()
        per_second = len(rows) / span
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
        figures = {
            "submissions": len(rows),
            "per_second": round(per_second, 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(p99, 1),
            "submit_seconds": round(submit_seconds, 2),
            "reference_graders_per_second": round(reference, 1),
            "ratio_to_reference": round(per_second / reference, 3),
            "workers": args.concurrency,
        }
        log(f"routed {len(rows)} in {span:.2f} s")
        print(json.dumps(figures), flush=True)
        return 0
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        try:
            import redis

            store = redis.Redis.from_url(REDIS_URL)
            queue = settings["PDHUB_TASK_QUEUE"]
            store.delete(queue, *store.scan_iter(f"_kombu.binding*{queue}*"))
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the result
            log(f"could not clean Redis: {error}")
        with app.app_context():
            db.engine.dispose()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
