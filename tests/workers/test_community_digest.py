"""The community digest leaves through a real worker and a real SMTP server: in the
recipient's language, with the one-click unsubscribe headers of RFC 8058."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import update

from pdhub import jobs, tasks
from pdhub.communities import digest, service
from pdhub.communities.models import Post
from pdhub.db import utcnow
from pdhub.extensions import db
from tests.factories import UserFactory
from tests.workers.conftest import SmtpSink, Worker, wait_until

pytestmark = pytest.mark.worker

BASE_URL = "https://pdhub.example.org"


def test_the_beat_job_sends_a_spanish_digest_with_one_click_unsubscribe(
    worker: Worker, smtp_sink: SmtpSink
) -> None:
    worker.stop()
    worker.env.update(
        PDHUB_MAIL_SERVER="127.0.0.1",
        PDHUB_MAIL_PORT=str(smtp_sink.port),
        PDHUB_BASE_URL=BASE_URL,
    )
    worker.start()
    with worker.app.app_context():
        coach = UserFactory(coach=True, name="Carlos Coach")
        lucia = UserFactory(name="Lucía Rivera", language="es")
        topic = service.create_topic(
            db.session, coach, name="Sin conexión", description="Ideas."
        )
        service.follow(db.session, lucia, community=topic)
        service.start_thread(
            db.session, coach, topic, title="Planes sin internet", body="¿Ideas?"
        )
        # Posted yesterday: the daily digest covers the last complete day.
        midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
        db.session.execute(
            update(Post).values(created_at=midnight - timedelta(hours=2))
        )
        digest.set_frequency(db.session, lucia, "daily")
        db.session.commit()
        address = lucia.email
        db.session.remove()
        jobs.send_now(tasks.SEND_COMMUNITY_DIGESTS)
    wait_until(lambda: [m for m in smtp_sink.received if m["To"] == address], 60)
    (mail,) = [m for m in smtp_sink.received if m["To"] == address]
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == ("Su resumen diario: 1 publicación nueva en lo que usted sigue")
    body = mail.get_payload(decode=True).decode()
    assert "Planes sin internet (Sin conexión): 1 publicación nueva" in body
    link = f"{BASE_URL}/communities/digest/unsubscribe/"
    assert mail["List-Unsubscribe"].startswith(f"<{link}")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert tasks.SEND_COMMUNITY_DIGESTS in worker.log()
    # Run again: the same day's digest is not sent twice.
    with worker.app.app_context():
        jobs.send_now(tasks.SEND_COMMUNITY_DIGESTS)
    finished = re.compile(
        rf"Task {re.escape(tasks.SEND_COMMUNITY_DIGESTS)}\[[^\]]+\] succeeded"
    )
    wait_until(lambda: len(finished.findall(worker.log())) >= 2, 60)
    assert len([m for m in smtp_sink.received if m["To"] == address]) == 1
