"""Faults at scale: the whole grading flow on PostgreSQL, Redis and worker processes
while worker children and whole workers are killed and Redis restarts.

Creates a throwaway PostgreSQL database, starts a redis-server of its own on a free
port and a local SMTP server (aiosmtpd) that counts Message-IDs, seeds N teachers with
draft evidence, and starts worker processes (the first with ``--beat``, so the sweeps
run at their default interval). Then, at once:

- teachers submit their drafts in batches (the screening jobs go to Redis);
- a coach passes a share of the submissions as they reach the queue, each right after
  the teacher's knowledge check was submitted, so the coach's pass races the grading
  job (and credentials are issued, and emails sent);
- a fault injector SIGKILLs worker pool children and whole workers (restarting them)
  at random moments, and kills and restarts Redis once (empty: queued jobs are lost).

When the load is done and the faults have stopped, it waits for everything to settle
and counts from SQL: submissions not routed, passed enrollments without an Award,
Awards without a credential, duplicate credentials, and duplicate emails (by
Message-ID at the SMTP server). The last line is JSON.

    PYTHONPATH=. python bench/faults.py [--submissions 1000] [--kills 24]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import and_, exists, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.grading import seed, submit  # noqa: E402
from pdhub import create_app  # noqa: E402
from pdhub.accounts.models import Role, User  # noqa: E402
from pdhub.credentials.models import Award, IssuedCredential  # noqa: E402
from pdhub.errors import DomainError  # noqa: E402
from pdhub.extensions import db  # noqa: E402
from pdhub.learning import service as learning  # noqa: E402
from pdhub.learning.models import Enrollment, QuizAttempt, QuizAttemptStatus  # noqa: E402
from pdhub.learning.packages.model import QuestionType  # noqa: E402
from pdhub.notifications.models import EmailMessage  # noqa: E402
from pdhub.review import service as review  # noqa: E402
from pdhub.review.models import Decision  # noqa: E402
from pdhub.submissions.models import Submission  # noqa: E402
from pdhub.submissions.states import SubmissionStatus  # noqa: E402

ADMIN_DSN = os.environ.get(
    "PDHUB_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SINK_SCRIPT = """
import sys, time
from email import message_from_bytes
from aiosmtpd.controller import Controller

out = open(sys.argv[2], "a", buffering=1)

class Handler:
    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content or envelope.content)
        out.write(str(parsed.get("Message-ID", "(none)")) + "\\n")
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
while True:
    time.sleep(3600)
"""


class Sink:
    """The SMTP server, in a process of its own (as a mail server would be): the
    Message-ID of every message it accepted, one a line."""

    def __init__(self, instance: Path) -> None:
        self.port = free_port()
        self.path = instance / "accepted-message-ids.txt"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.path.touch()
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK_SCRIPT, str(self.port), str(self.path)]
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP server did not start")

    def counts(self) -> collections.Counter[str]:
        return collections.Counter(self.path.read_text().split())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class WorkerProcess:
    def __init__(self, name: str, env: dict[str, str], instance: Path, beat: bool):
        self.name, self.env, self.instance, self.beat = name, env, instance, beat
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, concurrency: int) -> None:
        self.starts += 1
        extra = []
        if self.beat:  # a fresh schedule file: a SIGKILL may leave the old one torn
            schedule = self.instance / f"beat-{self.name}-{self.starts}"
            extra = ["--beat", "--schedule", str(schedule)]
        with (self.instance / f"{self.name}.log").open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.app", "worker"]
                + ["--loglevel", "WARNING", "--concurrency", str(concurrency)]
                + ["-Q", self.env["PDHUB_TASK_QUEUE"], "--without-gossip"]
                + ["--without-mingle", "--hostname", f"{self.name}-{self.starts}@%h"]
                + extra,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def children(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def correct_form(module: Any) -> dict[str, list[str]]:
    """The knowledge-check answers that pass, as the quiz form posts them."""
    form: dict[str, list[str]] = {}
    for question in learning.module_quiz(module).questions:
        if question.type is QuestionType.TEXT:
            form[f"q-{question.id}"] = [question.accepted[0]]
        elif question.type is QuestionType.NUMERIC:
            form[f"q-{question.id}"] = [str(question.answer)]
        else:
            form[f"q-{question.id}"] = sorted(question.correct_choice_ids)
    return form


PROFICIENT = "proficient"


def coach_passes(app, chosen: set[int], done: threading.Event, stats: dict) -> None:  # type: ignore[no-untyped-def]
    """Pass each chosen submission once it is in review, right after its teacher's
    knowledge check was submitted (its grading job races this pass)."""
    decided: set[int] = set()
    with app.app_context():
        coach = db.session.scalars(select(User).where(User.role == Role.COACH)).one()
        coach_id = coach.id
        db.session.remove()
    while not (done.is_set() and decided >= chosen_in_review(app, chosen)):
        with app.app_context():
            try:
                ready = db.session.scalars(
                    select(Submission.id)
                    .where(
                        Submission.id.in_(chosen - decided),
                        Submission.status == SubmissionStatus.IN_REVIEW,
                    )
                    .limit(20)
                ).all()
            finally:
                db.session.remove()
        if not ready:
            time.sleep(0.5)
            continue
        for submission_id in ready:
            try:
                with app.app_context():
                    submission = db.session.get(Submission, submission_id)
                    enrollment = submission.enrollment
                    teacher = db.session.get(User, enrollment.user_id)
                    learning.submit_quiz(
                        db.session, teacher, enrollment, correct_form(enrollment.module)
                    )
                    db.session.commit()  # the grading job leaves for a worker now
                    db.session.remove()
                with app.app_context():
                    coach = db.session.get(User, coach_id)
                    submission = db.session.get(Submission, submission_id)
                    review.claim(db.session, coach, submission)
                    criteria = submission.enrollment.module.rubric["criteria"]
                    review.decide(
                        db.session,
                        coach,
                        submission,
                        scores={c["id"]: {"level": PROFICIENT} for c in criteria},
                        overall_feedback="Clear evidence from your classroom.",
                        decision=Decision.PASSED,
                    )
                    db.session.commit()
                    stats["passed"] += 1
            except DomainError as error:
                stats["skipped"] += 1
                log(f"coach skipped {submission_id}: {error}")
            except Exception as error:  # noqa: BLE001 - a database blip: try again
                stats["errors"] += 1
                log(f"coach error on {submission_id}: {type(error).__name__}: {error}")
                continue
            finally:
                with app.app_context():
                    db.session.remove()
            decided.add(submission_id)


def chosen_in_review(app, chosen: set[int]) -> set[int]:  # type: ignore[no-untyped-def]
    """The chosen submissions that are (or were) for the coach: all but returned."""
    with app.app_context():
        try:
            returned = set(
                db.session.scalars(
                    select(Submission.id).where(
                        Submission.id.in_(chosen),
                        Submission.status == SubmissionStatus.RETURNED,
                    )
                )
            )
        finally:
            db.session.remove()
    return chosen - returned


class Faults:
    """Kills worker children and whole workers at random; restarts Redis once."""

    def __init__(self, workers: list[WorkerProcess], redis: Redis, concurrency: int):
        self.workers, self.redis, self.concurrency = workers, redis, concurrency
        self.kills = 0
        self.redis_restarts = 0
        self.last_fault = time.monotonic()
        self.stop = threading.Event()
        self.log: list[str] = []

    def run(self, target_kills: int, redis_after: int) -> None:
        rng = random.Random(7)
        while self.kills < target_kills or not self.stop.is_set():
            time.sleep(rng.uniform(3, 8))
            if self.kills == redis_after and not self.redis_restarts:
                self.redis.kill()
                self.last_fault = time.monotonic()
                log("fault: Redis killed")
                time.sleep(5)
                self.redis.start()
                self.redis_restarts += 1
                log("Redis back (empty)")
                continue
            worker = rng.choice(self.workers)
            children = worker.children()
            if children and rng.random() < 0.6:
                pid = rng.choice(children)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                log(
                    f"fault {self.kills + 1}: SIGKILL pool child {pid} of {worker.name}"
                )
            else:
                worker.kill()
                log(f"fault {self.kills + 1}: SIGKILL whole worker {worker.name}")
            self.kills += 1
            self.last_fault = time.monotonic()


def supervise(workers: list[WorkerProcess], concurrency: int, stop: threading.Event):
    """Start again any worker that is gone, a second later (as systemd would)."""
    while not stop.is_set():
        for worker in workers:
            if worker.process is None or worker.process.poll() is not None:
                time.sleep(1)
                if stop.is_set():
                    return
                log(f"restarting {worker.name}")
                worker.start(concurrency)
        time.sleep(0.5)


def counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session
        unrouted = session.scalar(
            select(func.count(Submission.id)).where(
                Submission.status.in_(
                    [SubmissionStatus.SUBMITTED, SubmissionStatus.SCREENING]
                )
            )
        )
        quiz_passed = exists().where(
            QuizAttempt.enrollment_id == Enrollment.id, QuizAttempt.passed.is_(True)
        )
        evidence_passed = exists().where(
            Submission.enrollment_id == Enrollment.id,
            Submission.status == SubmissionStatus.PASSED,
        )
        awarded = exists().where(Award.enrollment_id == Enrollment.id)
        passed_without_award = session.scalar(
            select(func.count(Enrollment.id)).where(
                and_(quiz_passed, evidence_passed, ~awarded)
            )
        )
        issued = exists().where(IssuedCredential.award_id == Award.id)
        award_without_credential = session.scalar(
            select(func.count(Award.id)).where(~issued)
        )
        per_award = (
            select(IssuedCredential.award_id)
            .group_by(IssuedCredential.award_id)
            .having(func.count() > 1)
            .subquery()
        )
        duplicate_credentials = session.scalar(
            select(func.count()).select_from(per_award)
        )
        ungraded = session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.status == QuizAttemptStatus.SUBMITTED
            )
        )
        unsent = session.scalar(
            select(func.count(EmailMessage.id)).where(EmailMessage.sent_at.is_(None))
        )
        awards = session.scalar(select(func.count(Award.id)))
        emails = session.scalar(select(func.count(EmailMessage.id)))
        db.session.remove()
    return {
        "unrouted": unrouted,
        "passed_without_award": passed_without_award,
        "award_without_credential": award_without_credential,
        "duplicate_credentials": duplicate_credentials,
        "ungraded": ungraded,
        "unsent_emails": unsent,
        "awards": awards,
        "emails": emails,
    }


def settled(figures: dict[str, int]) -> bool:
    return not any(
        figures[name]
        for name in (
            "unrouted",
            "passed_without_award",
            "award_without_credential",
            "ungraded",
            "unsent_emails",
        )
    )


def main() -> int:  # noqa: PLR0915 - one straight script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--passed-share", type=float, default=0.5)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--settle-timeout", type=float, default=600)
    args = parser.parse_args()

    run = secrets.token_hex(4)
    name = f"pdhub_bench_faults_{run}"
    instance = Path(tempfile.mkdtemp(prefix="pdhub-bench-faults-"))
    redis = Redis()
    sink = Sink(instance)
    settings = {
        "PDHUB_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        "PDHUB_INSTANCE_PATH": str(instance),
        "PDHUB_SECRET_KEY": secrets.token_urlsafe(48),
        "PDHUB_DATA_KEY": Fernet.generate_key().decode(),
        "PDHUB_REDIS_URL": redis.url,
        "PDHUB_TASK_QUEUE": f"pdhub-bench-{run}",
        "PDHUB_MODULES_PATH": str(ROOT / "modules"),
        "PDHUB_MAIL_SERVER": "127.0.0.1",
        "PDHUB_MAIL_PORT": str(sink.port),
    }
    workers: list[WorkerProcess] = []
    app = None
    faults = None
    supervising: threading.Event | None = None
    try:
        redis.start()
        sink.start()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        app = create_app({**settings, "PDHUB_MAIL_PORT": sink.port})
        with app.app_context():
            from flask_migrate import upgrade

            log(f"database {name}: migrating")
            upgrade()
        log(f"seeding {args.submissions} teachers with draft evidence")
        ids = seed(app, args.submissions)
        rng = random.Random(11)
        chosen = set(rng.sample(ids, int(len(ids) * args.passed_share)))

        env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
        env.update(settings)
        env["PYTHONPATH"] = str(ROOT)
        for n in range(args.workers):
            worker = WorkerProcess(f"w{n}", env, instance, beat=n == 0)
            worker.start(args.concurrency)
            workers.append(worker)
        time.sleep(8)  # let them start (no mingle: nothing to wait for)

        supervising = threading.Event()
        supervisor = threading.Thread(
            target=supervise,
            args=(workers, args.concurrency, supervising),
            daemon=True,
        )
        supervisor.start()
        faults = Faults(workers, redis, args.concurrency)
        injector = threading.Thread(
            target=faults.run, args=(args.kills, args.kills // 3), daemon=True
        )
        done = threading.Event()
        stats = collections.Counter()  # type: ignore[var-annotated]
        coach = threading.Thread(
            target=coach_passes, args=(app, chosen, done, stats), daemon=True
        )
        started = time.monotonic()
        injector.start()
        coach.start()
        log(f"submitting {len(ids)} drafts, {args.batch} per request burst")
        with app.app_context():
            for n in range(0, len(ids), args.batch):
                submit(ids[n : n + args.batch])
                db.session.remove()
                time.sleep(0.3)
        log(f"all submitted in {time.monotonic() - started:.1f} s")
        # The coach keeps passing until every chosen submission that reached the
        # queue was decided; the faults go on until then, and until the kills are made.
        done.set()
        coach.join(timeout=1800)
        faults.stop.set()
        injector.join(timeout=1800)
        log(
            f"load done: {stats['passed']} passed by the coach; {faults.kills} kills, "
            f"{faults.redis_restarts} Redis restarts; waiting to settle"
        )
        last_fault = faults.last_fault
        deadline = time.monotonic() + args.settle_timeout
        figures = counts(app)
        while not settled(figures) and time.monotonic() < deadline:
            time.sleep(1)
            figures = counts(app)
        settle_s = time.monotonic() - last_fault
        time.sleep(3)  # a late duplicate would arrive now
        figures = counts(app)
        received = sink.counts()
        duplicate_emails = sum(n - 1 for n in received.values() if n > 1)
        log(f"settled: {figures}; {sum(received.values())} emails received")
        for message_id, n in received.items():
            if n > 1:
                log(f"received {n} times: {message_id}")
        result = {
            "submissions": len(ids),
            "passed_by_coach": stats["passed"],
            "kills": faults.kills,
            "redis_restarts": faults.redis_restarts,
            "unrouted": figures["unrouted"],
            "passed_without_award": figures["passed_without_award"],
            "award_without_credential": figures["award_without_credential"],
            "duplicate_credentials": figures["duplicate_credentials"],
            "duplicate_emails": duplicate_emails,
            "unsent_emails": figures["unsent_emails"],
            "awards": figures["awards"],
            "emails": figures["emails"],
            "settle_s": round(settle_s, 1) if settled(figures) else None,
            "workers": args.workers,
            "concurrency": args.concurrency,
        }
        print(json.dumps(result), flush=True)
        return 0
    finally:
        if faults is not None:
            faults.stop.set()
        if supervising is not None:
            supervising.set()
            time.sleep(2)
        for worker in workers:
            worker.stop()
        redis.kill()
        sink.stop()
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
