"""The account page's own forms come back with their errors, for every role."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import UserFactory
from tests.helpers import sign_in, text


def test_a_coach_with_a_wrong_current_password_sees_the_error_not_a_crash(
    client: FlaskClient, session: Session
) -> None:
    sign_in(client, UserFactory(coach=True))
    response = client.post(
        "/account/password",
        data={
            "pw-current_password": "not my password at all",
            "pw-password": "a brand new and long password",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "That is not your current password." in page
    # The coach's own email choice is still on the page.
    assert "Email me a daily summary" in page
