"""Hostile uploads (issue 20): every upload point (evidence, community posts,
certificates of learning done elsewhere) refuses the hostile corpus with a clear
message, keeps no file and no row, accepts ordinary files, cleans hostile names, and
hands stored files back only as sandboxed attachments; names that a spreadsheet would
run come out of the CSV exports as plain text.

ZIP limits of batch verification are tested in tests/verification/test_zip_limits.py.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from pdhub.accounts.models import User
from pdhub.communities.models import Attachment, Post
from pdhub.db import utcnow
from pdhub.districts.models import (
    Assignment,
    AssignmentTarget,
    ExternalLearning,
    RosterImport,
)
from pdhub.submissions.models import Artifact
from pdhub.submissions.service import safe_filename
from tests.communities.conftest import community_of, start
from tests.factories import (
    PDF_BYTES,
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    UserFactory,
)
from tests.helpers import sign_in, text
from tests.privacy import hostile_files
from tests.privacy.hostile_files import FORMULA_NAMES, HOSTILE_NAMES

HOSTILE = {sample.id: sample for sample in hostile_files.hostile()}
ORDINARY = {sample.id: sample for sample in hostile_files.ordinary()}


@dataclass
class UploadPoint:
    """One place a file comes in: how to send it, and what it would leave behind."""

    name: str
    send: Callable[[FlaskClient, str, bytes], TestResponse]
    rows: Callable[[], int]
    #: The download address of the newest stored file, and who may fetch it.
    download: Callable[[], str]
    owner: User


def _multipart(
    client: FlaskClient, url: str, fields: dict[str, object]
) -> TestResponse:
    # Encoded in memory: the test client would spool a big file to a temporary file
    # that it never closes.
    boundary, body = encode_multipart(fields)
    return client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _file(filename: str, content: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(content), filename)


def _count(session: Session, column: object) -> int:
    return int(session.scalar(select(func.count(column))) or 0)  # type: ignore[arg-type]


def evidence(session: Session) -> UploadPoint:
    teacher = UserFactory()
    enrollment = EnrollmentFactory(user=teacher)
    session.flush()

    def send(client: FlaskClient, filename: str, content: bytes) -> TestResponse:
        return _multipart(
            client,
            f"/learn/{enrollment.id}/evidence",
            {
                "context": "Kept",
                "reflection": "",
                "action": "add",
                "upload": _file(filename, content),
            },
        )

    def newest() -> str:
        return f"/files/{session.scalar(select(func.max(Artifact.id)))}"

    return UploadPoint(
        "evidence", send, lambda: _count(session, Artifact.id), newest, teacher
    )


def community(session: Session) -> UploadPoint:
    district = DistrictFactory()
    teacher = UserFactory(district=district)
    colleague = UserFactory(district=district)
    session.flush()
    place = community_of(session, colleague, "district")
    thread = start(session, colleague, place)

    def send(client: FlaskClient, filename: str, content: bytes) -> TestResponse:
        return _multipart(
            client,
            f"/communities/{place.id}/threads/{thread.id}/reply",
            {
                "body": "See my file",
                "action": "post",
                "upload": _file(filename, content),
            },
        )

    def newest() -> str:
        newest_id = session.scalar(select(func.max(Attachment.id)))
        return f"/communities/{place.id}/files/{newest_id}"

    return UploadPoint(
        "community",
        send,
        lambda: _count(session, Post.id) + _count(session, Attachment.id),
        newest,
        teacher,
    )


def certificate(session: Session) -> UploadPoint:
    teacher = UserFactory(district=DistrictFactory())
    session.flush()
    today = utcnow().date()

    def send(client: FlaskClient, filename: str, content: bytes) -> TestResponse:
        return _multipart(
            client,
            "/transcript/external/new",
            {
                "title": "State literacy conference",
                "provider": "Literacy Association",
                "started_on": (today - timedelta(days=3)).isoformat(),
                "ended_on": (today - timedelta(days=2)).isoformat(),
                "hours": "6",
                "description": "Two days of sessions on reading.",
                "certificate": _file(filename, content),
            },
        )

    def newest() -> str:
        newest_id = session.scalar(select(func.max(ExternalLearning.id)))
        return f"/transcript/external/{newest_id}/certificate"

    return UploadPoint(
        "certificate",
        send,
        lambda: _count(session, ExternalLearning.id),
        newest,
        teacher,
    )


POINTS = {"evidence": evidence, "community": community, "certificate": certificate}


@pytest.fixture(params=list(POINTS))
def point(request: pytest.FixtureRequest, session: Session) -> UploadPoint:
    return POINTS[request.param](session)


def stored_files(app: Flask) -> set[Path]:
    root = Path(app.instance_path) / "uploads"
    return {path for path in root.rglob("*") if path.is_file()}


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.mark.parametrize("sample_id", list(HOSTILE))
def test_a_hostile_file_is_refused_with_a_clear_message_and_leaves_nothing_behind(
    app: Flask, session: Session, point: UploadPoint, sample_id: str
) -> None:
    sample = HOSTILE[sample_id]
    client = signed_in(app, point.owner)
    files_before, rows_before = stored_files(app), point.rows()

    response = point.send(client, sample.filename, sample.content)

    assert response.status_code == 422, text(response)[-1500:]
    assert sample.message in text(response)
    assert stored_files(app) == files_before
    assert point.rows() == rows_before


@pytest.mark.parametrize("sample_id", list(ORDINARY))
def test_an_ordinary_file_is_accepted_and_downloads_as_a_sandboxed_attachment(
    app: Flask, session: Session, point: UploadPoint, sample_id: str
) -> None:
    sample = ORDINARY[sample_id]
    client = signed_in(app, point.owner)
    files_before = stored_files(app)

    response = point.send(client, sample.filename, sample.content)

    assert response.status_code == 303, text(response)[-1500:]
    assert len(stored_files(app) - files_before) == 1
    download = client.get(point.download())
    assert download.status_code == 200 and download.data == sample.content
    assert download.headers["Content-Disposition"].startswith(
        f'attachment; filename="{sample.filename}"'
    )
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"].split(";")[0]


#: A quote or a line break ends the multipart header itself: such a name never
#: reaches the app as sent (the unit test below covers it).
SENDABLE_NAMES = [
    (sent, kept) for sent, kept in HOSTILE_NAMES if not {'"', "\r"} & set(sent)
]


@pytest.mark.parametrize(
    ("sent", "kept"), SENDABLE_NAMES, ids=range(len(SENDABLE_NAMES))
)
def test_a_hostile_name_is_made_harmless_in_storage_and_in_the_download_header(
    app: Flask, session: Session, point: UploadPoint, sent: str, kept: str
) -> None:
    client = signed_in(app, point.owner)
    response = point.send(client, sent, PDF_BYTES)
    assert response.status_code == 303, text(response)[-1500:]
    download = client.get(point.download())
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "/" not in disposition.split("filename*=")[0]
    assert (
        "\\" not in disposition and "\r" not in disposition and ".." not in disposition
    )
    assert "\u202e" not in disposition and "%E2%80%AE" not in disposition
    # The multipart encoding may already eat a backslash; what is kept ends the same.
    ascii_part = disposition.split('filename="')[1].split('"')[0]
    assert ascii_part.endswith(kept.encode("ascii", "replace").decode())
    assert "X-Injected" not in download.headers


@pytest.mark.parametrize(("sent", "kept"), HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_the_kept_name_has_no_path_control_or_direction_characters(
    sent: str, kept: str
) -> None:
    assert safe_filename(sent) == kept


def test_a_file_over_the_configured_limit_is_refused_at_every_point(
    app_factory: Callable[..., Flask], session: Session
) -> None:
    small = app_factory(PDHUB_MAX_UPLOAD_MB=1)
    big = PDF_BYTES + b"0" * (1024 * 1024 + 10)
    for make in POINTS.values():
        point = make(session)
        client = signed_in(small, point.owner)
        files_before, rows_before = stored_files(small), point.rows()
        response = point.send(client, "big.pdf", big)
        assert response.status_code == 422, point.name
        assert "the limit is 1 MB" in text(response), point.name
        assert stored_files(small) == files_before and point.rows() == rows_before


def test_a_safe_type_shown_in_place_is_still_sandboxed(
    app: Flask, session: Session, point: UploadPoint
) -> None:
    client = signed_in(app, point.owner)
    assert point.send(client, "photo.png", ORDINARY["png"].content).status_code == 303
    shown = client.get(point.download() + "?inline=1")
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert "script-src" not in shown.headers["Content-Security-Policy"]


# --- names that land in CSV exports -----------------------------------------------


@functools.cache
def _roster(names: tuple[str, ...]) -> str:
    rows = "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",p{number}@example.org,,teacher\n'
        for number, name in enumerate(names)
    )
    return "name,email,school,role\n" + rows


def test_roster_names_a_spreadsheet_would_run_come_out_of_the_exports_as_text(
    app: Flask, session: Session, mail_log: Path
) -> None:
    admin = UserFactory(district_admin=True)
    people = [
        UserFactory(district=admin.district, email=f"p{number}@example.org")
        for number in range(len(FORMULA_NAMES))
    ]
    # Everyone is assigned a module, so everyone is a line of the staff export.
    session.add(
        Assignment(
            district_id=admin.district_id,
            module_slug=ModuleFactory().slug,
            target=AssignmentTarget.EVERYONE,
            due_date=utcnow().date() + timedelta(days=30),
        )
    )
    session.flush()
    client = signed_in(app, admin)
    uploaded = client.post(
        "/district/roster",
        data={
            "users": (
                io.BytesIO(_roster(tuple(FORMULA_NAMES)).encode()),
                "staff.csv",
            )
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303, text(uploaded)[-1500:]
    applied = client.post(uploaded.headers["Location"] + "/apply")
    assert applied.status_code == 303
    for person in people:
        session.refresh(person)
    # The roster really renamed them (whitespace folded, as the import does).
    names = {person.name for person in people}
    assert any(name.startswith("=HYPERLINK(") for name in names)

    for address in ("/district/staff.csv", "/district/ledger.csv"):
        export = client.get(address)
        assert export.status_code == 200, address
        assert export.headers["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
        cells = [cell for row in rows[1:] for cell in row]
        for name in names:
            assert name not in cells, (address, name)
            assert "'" + name in cells, (address, name)
        assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.parametrize("sample_id", ["gifar", "png-decompression-bomb", "zip-bomb"])
def test_a_binary_hostile_file_given_as_a_roster_is_refused_and_nothing_is_kept(
    app: Flask, session: Session, sample_id: str
) -> None:
    sample = HOSTILE[sample_id]
    admin = UserFactory(district_admin=True)
    session.flush()
    client = signed_in(app, admin)
    imports_before = _count(session, RosterImport.id)
    people_before = _count(session, User.id)
    response = client.post(
        "/district/roster",
        data={"users": (io.BytesIO(sample.content), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, text(response)[-1500:]
    assert "staff.csv is not saved as UTF-8 text" in text(response)
    assert _count(session, RosterImport.id) == imports_before
    assert _count(session, User.id) == people_before


@pytest.mark.parametrize("sample_id", ["html-named-pdf", "svg-with-script"])
def test_a_web_page_given_as_a_roster_is_shown_as_problems_and_cannot_be_applied(
    app: Flask, session: Session, sample_id: str
) -> None:
    sample = HOSTILE[sample_id]
    admin = UserFactory(district_admin=True)
    session.flush()
    client = signed_in(app, admin)
    people_before = _count(session, User.id)
    response = client.post(
        "/district/roster",
        data={"users": (io.BytesIO(sample.content), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    preview = client.get(response.headers["Location"])
    assert "Correct the problems" in text(preview) or "problem" in text(preview)
    assert "<script>" not in preview.get_data(as_text=True)
    client.post(response.headers["Location"] + "/apply")
    assert _count(session, User.id) == people_before


def test_the_refusal_is_in_the_uploaders_language(app: Flask, session: Session) -> None:
    point = evidence(session)
    client = signed_in(app, point.owner)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    sample = HOSTILE["gifar"]
    response = point.send(client, sample.filename, sample.content)
    assert response.status_code == 422
    assert "photo.gif son dos archivos en uno" in text(response)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("../../staff\x00.csv", "staff.csv"), ("x" * 400 + ".csv", "x" * 196 + ".csv")],
    ids=["traversal-and-nul", "very-long"],
)
def test_a_hostile_roster_file_name_is_kept_harmless(
    app: Flask, session: Session, sent: str, kept: str
) -> None:
    admin = UserFactory(district_admin=True)
    session.flush()
    client = signed_in(app, admin)
    response = client.post(
        "/district/roster",
        data={"users": (io.BytesIO(_roster(("Pat Lee",)).encode()), sent)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, text(response)[-1500:]
    stored = session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))
    assert stored is not None and stored.filename == kept
