"""The mail interface: console and file in development, SMTP in production.

Every message carries the Message-ID stored on its outbox row, and ``accepted`` is
called the moment the mail server has taken responsibility for it (its 250 reply to
the message data), before the connection is closed, so the caller records it as sent
at once. One window remains that SMTP cannot close: a crash or lost connection after
the server's 250 and before that record is committed (RFC 1047). The message is then
sent again, with the same Message-ID, which mail clients and servers use to show it
once.
"""

from __future__ import annotations

import os
import smtplib
import sys
from collections.abc import Callable, Mapping
from email.message import EmailMessage as MimeMessage
from pathlib import Path
from typing import Protocol

from flask import Flask


def _nothing() -> None:
    return None


class Mailer(Protocol):
    def send(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        message_id: str,
        accepted: Callable[[], None] = _nothing,
        headers: Mapping[str, str] | None = None,
    ) -> None: ...


class ConsoleMailer:
    """Development only: appends each message to ``mail.log`` in the instance folder
    (readable by its owner only) and says so on stderr.

    Messages carry live links (password reset, invitations), so the stderr line (which
    ends up in the worker's log) names the recipient and subject, never the body.
    """

    def __init__(self, log_path: Path, sender: str) -> None:
        self.log_path = log_path
        self.sender = sender

    def send(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        message_id: str,
        accepted: Callable[[], None] = _nothing,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        text = (
            f"From: {self.sender}\nTo: {to}\nSubject: {subject}\n"
            f"Message-ID: {message_id}\n"
            + "".join(f"{name}: {value}\n" for name, value in (headers or {}).items())
            + f"\n{body}\n"
            + "-" * 72
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(
            self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
        )
        os.fchmod(descriptor, 0o600)  # also a log made world-readable before
        with os.fdopen(descriptor, "a", encoding="utf-8") as log:
            log.write(text + "\n")
        print(
            f"Mail to {to}: {subject!r} (the message is in {self.log_path})",
            file=sys.stderr,
        )
        accepted()


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(
        self,
        to: str,
        subject: str,
        body: str,
        *,
        message_id: str,
        accepted: Callable[[], None] = _nothing,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = MimeMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = message_id
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        # A List-Unsubscribe URL is one long word: folded at 78 columns it would
        # become an encoded-word that mail programs can't read as a URL (RFC 8058
        # wants it as it is). Header lines may run to 998 characters (RFC 5322
        # 2.1.1); the body's encoding was already chosen by set_content.
        message.policy = message.policy.clone(max_line_length=998)
        smtp = smtplib.SMTP(self.host, self.port, timeout=30)
        try:
            smtp.send_message(message)  # returns on the server's 250 for the data
            accepted()
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()  # delivered or not, the server's answer was already read


def mailer_for(app: Flask) -> Mailer:
    """The mailer the configuration asks for (SMTP when PDHUB_MAIL_SERVER is set)."""
    if app.config["PDHUB_MAIL_SERVER"]:
        return SmtpMailer(
            app.config["PDHUB_MAIL_SERVER"],
            app.config["PDHUB_MAIL_PORT"],
            app.config["PDHUB_MAIL_FROM"],
        )
    path = Path(app.config["PDHUB_INSTANCE_PATH"]) / "mail.log"
    return ConsoleMailer(path, app.config["PDHUB_MAIL_FROM"])
