"""Development mail: the log file is private to its owner, and no other output (the
worker's log, stderr) carries a message's body or its links."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import UserFactory


def test_a_reset_link_reaches_only_the_private_mail_log(
    client: FlaskClient,
    session: Session,
    mail_log: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    teacher = UserFactory()
    response = client.post("/password/forgot", data={"email": teacher.email})
    assert response.status_code == 303
    message = mail_log.read_text()
    token = re.search(r"/password/reset/(\S+)", message).group(1)
    assert mail_log.stat().st_mode & 0o777 == 0o600
    captured = capsys.readouterr()
    output = captured.out + captured.err + caplog.text
    assert "Reset your PD Hub password" in captured.err  # it says a mail went out
    assert token not in output and "/password/reset/" not in output


def test_a_mail_log_that_others_could_read_is_made_private(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    mail_log.write_text("")
    mail_log.chmod(0o644)
    client.post("/password/forgot", data={"email": UserFactory().email})
    assert "/password/reset/" in mail_log.read_text()
    assert mail_log.stat().st_mode & 0o777 == 0o600
