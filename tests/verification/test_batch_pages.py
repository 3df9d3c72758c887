"""District administrators verify in bulk on their pages: upload, progress, results."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from flask import Flask
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from pdhub.db import Base
from pdhub.extensions import db
from pdhub.verification.models import BatchStatus, VerificationBatch
from tests.factories import UserFactory
from tests.helpers import sign_in, text
from tests.verification import samples
from tests.verification.fixtures import Documents


def test_a_district_admin_uploads_a_zip_and_downloads_the_results(
    site: Flask, session: Session, documents: Documents
) -> None:
    admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, admin)
    assert "Verify in bulk" in text(client.get("/district/verify"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ok.json", json.dumps(documents.credential(teacher="Ana Ruiz")))
        zipped.writestr(
            "revoked.svg",
            samples.as_svg(documents.credential(index=samples.REVOKED_INDEX)),
        )
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(archive.getvalue()), "staff.zip")},
    )
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Finished" in page and "2 of 2 checked (100%)" in page
    assert "Ana Ruiz" in page and "Revoked" in page
    assert 'http-equiv="refresh"' not in page
    csv_text = client.get(response.headers["Location"] + "/results.csv").get_data(
        as_text=True
    )
    assert "Ana Ruiz" in csv_text and "Revoked" in csv_text
    listing = text(client.get("/district/verify"))
    assert "staff.zip" in listing


def test_a_hostile_zip_name_is_kept_harmless(
    site: Flask, session: Session, documents: Documents
) -> None:
    admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, admin)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ok.json", json.dumps(documents.credential(teacher="Ana Ruiz")))
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(archive.getvalue()), "../../staff\x00\u202e.zip")},
    )
    assert response.status_code == 303
    batch = session.query(VerificationBatch).one()
    assert batch.filename == "staff.zip"


def test_a_running_batch_refreshes_itself_without_javascript(
    site: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    batch = VerificationBatch(
        district_id=admin.district_id,
        source="csv",
        total=400,
        chunks=2,
        status=BatchStatus.RUNNING,
    )
    db.session.add(batch)
    db.session.flush()
    client = site.test_client()
    sign_in(client, admin)
    page = text(client.get(f"/district/verify/{batch.id}"))
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "verify-progress.js" in page
    assert "0 of 400 checked (0%)" in page
    progress = client.get(f"/district/verify/{batch.id}/progress").get_json()
    assert progress == {"checked": 0, "total": 400, "done": False, "percent": 0}
    assert client.get(f"/district/verify/{batch.id}/report.json").status_code == 409


def test_only_the_district_that_ran_a_batch_sees_it(
    site: Flask, session: Session
) -> None:
    owner = UserFactory(district_admin=True)
    batch = VerificationBatch(
        district_id=owner.district_id,
        source="csv",
        filename="owner-district-staff-badges.csv",
        total=1,
        chunks=1,
    )
    db.session.add(batch)
    db.session.flush()
    other_admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, other_admin)
    for suffix in ("", "/progress", "/results.csv", "/report.json", "/report.jws"):
        assert client.get(f"/district/verify/{batch.id}{suffix}").status_code == 404
    assert "owner-district-staff-badges.csv" not in text(client.get("/district/verify"))
    # The district's own administrator does see it (the name is what a listing shows).
    own = site.test_client()
    sign_in(own, owner)
    assert "owner-district-staff-badges.csv" in text(own.get("/district/verify"))


def test_teachers_cannot_open_bulk_verification(site: Flask, session: Session) -> None:
    client = site.test_client()
    sign_in(client, UserFactory())
    assert client.get("/district/verify").status_code == 403


def test_a_bad_csv_is_explained_next_to_the_field(
    site: Flask, session: Session
) -> None:
    client = site.test_client()
    sign_in(client, UserFactory(district_admin=True))
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"url\nhttps://a.example/1\nnot a link\n"), "x.csv")},
    )
    assert response.status_code == 422
    assert "Row 3 does not hold a credential web address" in text(response)
    empty = client.post("/district/verify", content_type="multipart/form-data", data={})
    assert empty.status_code == 422
    assert "Choose a CSV or ZIP file" in text(empty)


def test_a_csv_with_an_email_column_gets_a_recipient_match_column(
    site: Flask, session: Session, documents: Documents
) -> None:
    for name in ("one", "two", "three"):
        documents.put(f"{name}.json", documents.credential())
    base = "http://localhost/test-documents"
    missing = "http://localhost/credentials/7a1f4d1e-64a4-4d0e-9e59-1f6f7c0b2a11"
    upload = (
        "url,email\r\n"
        f"{base}/one.json, Teacher@School.example\r\n"
        f"{base}/two.json,someone.else@school.example\r\n"
        f"{base}/three.json,\r\n"
        f"{missing},teacher@school.example\r\n"
    )
    admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, admin)
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(upload.encode()), "staff.csv")},
    )
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "Recipient" in page and "Does not match" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(response.headers["Location"] + "/results.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    assert [(r["Verdict"], r["Recipient match"]) for r in rows] == [
        ("Verified", "Recipient matches"),
        ("Verified", "Does not match"),
        ("Verified", "Not checked"),
        ("Not verified", "Not checked"),
    ]
    assert "Ask the teacher to share this badge" in rows[3]["Reasons"]
    assert "404" not in rows[3]["Reasons"]
    report = json.loads(
        client.get(response.headers["Location"] + "/report.json").get_data()
    )
    assert [r["recipient_match"] for r in report["results"]] == [
        "matches",
        "does_not_match",
        "not_checked",
        "not_checked",
    ]
    # The addresses served the check and are gone: held in no table.
    session.expire_all()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(sql(f'SELECT * FROM "{table.name}"')):  # noqa: S608
            dumped = repr(tuple(row)).lower()
            assert "teacher@school.example" not in dumped, table.name
            assert "someone.else@school.example" not in dumped, table.name


def test_a_bad_email_in_the_csv_names_its_row(site: Flask, session: Session) -> None:
    admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, admin)
    upload = "url,email\r\nhttp://localhost/credentials/x,not-an-address\r\n"
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(upload.encode()), "staff.csv")},
    )
    assert response.status_code == 422
    assert "Row 2: 'not-an-address' is not an email address." in text(response)


def test_a_zip_member_named_with_a_space_then_equals_is_neutralized(
    site: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    client = site.test_client()
    sign_in(client, admin)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(' =HYPERLINK("http://evil.example").json', b"{}")
    response = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(archive.getvalue()), "staff.zip")},
    )
    assert response.status_code == 303
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(response.headers["Location"] + "/results.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + ' =HYPERLINK("http://evil.example").json' in cells
    assert not any(cell.lstrip().startswith("=") for cell in cells)
