"""The notifications page lists a person's own notifications and marks them read."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.notifications.service import Message, tell, unread_count
from tests.factories import UserFactory
from tests.helpers import sign_in, text


def test_mark_all_as_read_clears_only_my_unread_count(
    client: FlaskClient, session: Session
) -> None:
    me, someone_else = UserFactory(), UserFactory()
    tell(
        session,
        Message("test:1", me, "Your evidence was returned as incomplete."),
        Message("test:2", someone_else, "Someone else's news."),
    )
    sign_in(client, me)
    page = text(client.get("/notifications"))
    assert "Your evidence was returned as incomplete." in page
    assert "Someone else's news." not in page
    assert unread_count(session, me) == 1
    assert client.post("/notifications/read").status_code == 303
    assert unread_count(session, me) == 0
    assert unread_count(session, someone_else) == 1
