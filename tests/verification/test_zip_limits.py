"""Bulk verification refuses ZIP bombs before reading them (issue 14): too large a
file, too much data, or too much compression answers 422 with a clear message and
writes nothing; batches start under an hourly allowance per district and per token.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.accounts.service import create_api_token
from pdhub.errors import InvalidInput
from pdhub.verification.models import VerificationBatch, VerificationItem
from pdhub.verification.uploads import read_upload
from tests.factories import UserFactory
from tests.helpers import sign_in, text
from tests.verification.fixtures import Documents

MB = 1024 * 1024


def _zip(members: dict[str, bytes]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, content in members.items():
            out.writestr(name, content)
    return archive.getvalue()


#: A 534 KB-class bomb: one "credential" of 64 MB of zeros.
ONE_BIG = {"badge.json": bytes(64 * MB)}
#: Many members under the 4 MB file limit, each compressed about a thousand times.
MANY_DENSE = {f"c{n}.json": bytes(3 * MB + 512 * 1024) for n in range(40)}
#: Many members under a megabyte each: only the whole ZIP's ratio gives them away.
MANY_SMALL = {f"c{n}.json": bytes(900 * 1024) for n in range(40)}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (ONE_BIG, "badge.json would be larger than 4 MB uncompressed"),
        (MANY_DENSE, "is compressed more than 100 times"),
        (MANY_SMALL, "would grow more than 20 times its size when unpacked"),
    ],
    ids=["one-big-file", "many-dense-files", "many-small-files"],
)
def test_a_zip_bomb_is_refused_before_anything_is_unpacked(
    members: dict[str, bytes], message: str
) -> None:
    bomb = _zip(members)
    assert len(bomb) < 600 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as refused:
            read_upload("staff.zip", bomb, 10_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message in refused.value.message
    assert "Nothing was saved" in refused.value.message
    assert peak < 8 * MB  # nothing was inflated


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(VerificationBatch)) or 0,
        session.scalar(select(func.count()).select_from(VerificationItem)) or 0,
    )


def test_the_page_and_the_api_refuse_a_bomb_and_write_nothing(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    token = create_api_token(session, admin, "HR")
    session.commit()
    bomb = _zip(ONE_BIG)
    api = client.post(
        "/api/v1/verify/batch",
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(bomb), "staff.zip")},
    )
    assert api.status_code == 422
    assert api.mimetype == "application/problem+json"
    assert "This ZIP file was refused" in api.get_json()["detail"]
    sign_in(client, admin)
    page = client.post(
        "/district/verify",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(bomb), "staff.zip")},
    )
    assert page.status_code == 422
    assert "This ZIP file was refused" in text(page)
    assert _counts(session) == (0, 0)


def test_a_zip_of_only_other_files_says_no_credentials_were_found() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_upload("x.zip", _zip({"cv.pdf": b"%PDF-1.4"}), 100)
    assert "No credentials were found" in refused.value.message


def test_a_zip_with_more_files_than_a_batch_holds_is_refused_unread() -> None:
    many = _zip({f"{n}.pdf": b"" for n in range(6)})
    with pytest.raises(InvalidInput) as refused:
        read_upload("x.zip", many, 5)
    assert "up to 5 credentials" in refused.value.message


def _start(client: FlaskClient, token: str, documents: Documents) -> int:
    return client.post(
        "/api/v1/verify/batch",
        headers={"Authorization": f"Bearer {token}"},
        json={"credentials": [documents.credential()]},
    ).status_code


def test_batches_start_under_an_hourly_allowance_per_token_and_per_district(
    app_factory: Callable[..., Flask], session: Session, documents: Documents
) -> None:
    limited = app_factory(
        PDHUB_VERIFY_BATCHES_PER_HOUR=3, PDHUB_VERIFY_BATCHES_PER_HOUR_PER_TOKEN=2
    )
    admin = UserFactory(district_admin=True)
    colleague = UserFactory(district_admin=True, district=admin.district)
    first = create_api_token(session, admin, "HR")
    second = create_api_token(session, colleague, "Payroll")
    elsewhere = create_api_token(session, UserFactory(district_admin=True), "Other")
    session.commit()
    client = limited.test_client()
    assert [_start(client, first, documents) for _ in range(3)] == [202, 202, 429]
    refused = client.post(
        "/api/v1/verify/batch",
        headers={"Authorization": f"Bearer {first}"},
        json={"credentials": [json.loads(json.dumps(documents.credential()))]},
    )
    assert refused.mimetype == "application/problem+json"
    assert "This API token has started 2 verifications" in refused.get_json()["detail"]
    # Another token of the district: its own allowance, but the district's is shared.
    assert [_start(client, second, documents) for _ in range(2)] == [202, 429]
    detail = client.post(
        "/api/v1/verify/batch",
        headers={"Authorization": f"Bearer {second}"},
        json={"credentials": [documents.credential()]},
    ).get_json()["detail"]
    assert "Your district has started 3 verifications" in detail
    assert _start(client, elsewhere, documents) == 202
