"""The public /verify page: paste, upload (JSON, JWT, PNG, SVG) or a credential address
of this site; a clear verdict and every check."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from flask import Flask

from tests.helpers import text
from tests.verification import samples
from tests.verification.fixtures import BASE, Documents


def _post(site: Flask, **data: object):  # type: ignore[no-untyped-def]
    return site.test_client().post(
        "/verify", data=data, content_type="multipart/form-data"
    )


def test_anyone_can_open_the_verify_page_from_the_footer(client) -> None:  # type: ignore[no-untyped-def]
    home = text(client.get("/"))
    assert 'href="/verify"' in home
    page = client.get("/verify")
    assert page.status_code == 200
    assert "Paste a credential" in text(page)


def test_pasted_json_shows_verified_with_the_achievement_and_each_check(
    site: Flask, documents: Documents
) -> None:
    credential = documents.credential(teacher="Maya Lopez")
    response = _post(site, credential=json.dumps(credential))
    page = text(response)
    assert response.status_code == 200
    assert '<h2 id="verdict-title" tabindex="-1">Verified</h2>' in page
    for shown in (
        "Maya Lopez",
        "Digital Equity in the Classroom",
        "Riverside PD Hub",
        "Pass the knowledge check",
        "Plans for device and connectivity access",
        "Demonstrated",
        "Revocation and suspension",
        "Signature",
    ):
        assert shown in page
    assert "Not passed" not in page


def test_the_hours_a_credential_states_read_as_pd_hours_in_the_readers_language(
    site: Flask, documents: Documents
) -> None:
    credential = json.dumps(documents.credential())
    english = text(_post(site, credential=credential))
    assert "<dt>PD hours</dt><dd>3 PD hours</dd>" in english
    spanish = text(
        site.test_client().post(
            "/verify?lang=es",
            data={"credential": credential},
            content_type="multipart/form-data",
        )
    )
    assert "<dd>3 horas de desarrollo profesional</dd>" in spanish


@pytest.mark.parametrize("form", ["jwt", "json-file", "jwt-file", "png", "svg"])
def test_each_kind_of_upload_is_verified(
    site: Flask, documents: Documents, form: str
) -> None:
    credential = documents.credential()
    jwt = samples.as_jwt(documents.key, credential)
    data: dict[str, object] = {
        "jwt": {"credential": jwt},
        "json-file": {"file": (io.BytesIO(json.dumps(credential).encode()), "c.json")},
        "jwt-file": {"file": (io.BytesIO(jwt.encode()), "c.jwt")},
        "png": {"file": (io.BytesIO(samples.as_png(credential)), "badge.png")},
        "svg": {"file": (io.BytesIO(samples.as_svg(jwt)), "badge.svg")},
    }[form]
    page = text(_post(site, **data))
    assert ">Verified</h2>" in page, page[:3000]


def test_a_credential_address_of_this_site_is_fetched_in_process(
    site: Flask, documents: Documents
) -> None:
    url = documents.put("credentials/abc.json", documents.credential())
    page = text(_post(site, url=url))
    assert ">Verified</h2>" in page
    assert documents.requests == ["credentials/abc.json", "status/revocation"]


def test_an_address_of_another_site_is_refused_next_to_the_field(site: Flask) -> None:
    response = _post(site, url="https://elsewhere.example/credentials/abc")
    assert response.status_code == 422
    assert f"starts with {BASE}/credentials/" in text(response)


def test_a_missing_credential_address_says_nothing_is_shared_there(site: Flask) -> None:
    response = _post(site, url=f"{BASE}/test-documents/nothing.json")
    assert response.status_code == 422
    assert "Ask the teacher to share this badge, or to send you the file" in text(
        response
    )


@pytest.mark.parametrize(
    ("index", "verdict", "explained"),
    [
        (samples.REVOKED_INDEX, "Revoked", "has revoked this credential"),
        (3, "Verified", "Every check passed"),
    ],
)
def test_revoked_and_valid_credentials_say_so(
    site: Flask, documents: Documents, index: int, verdict: str, explained: str
) -> None:
    page = text(_post(site, credential=json.dumps(documents.credential(index=index))))
    assert f">{verdict}</h2>" in page
    assert explained in page


def test_suspended_and_expired_credentials_say_so(
    site: Flask, documents: Documents
) -> None:
    from tests.verification.fixtures import SUSPENSION_URL

    suspended = documents.credential(
        list_url=SUSPENSION_URL, purpose="suspension", index=samples.SUSPENDED_INDEX
    )
    assert ">Suspended</h2>" in text(_post(site, credential=json.dumps(suspended)))
    expired = documents.credential(valid_until=datetime(2026, 2, 1, tzinfo=UTC))
    page = text(_post(site, credential=json.dumps(expired)))
    assert ">Expired</h2>" in page
    assert "This credential is authentic, but it expired on" in page


def test_a_changed_credential_is_not_verified_and_says_why(
    site: Flask, documents: Documents
) -> None:
    credential = documents.credential()
    credential["credentialSubject"]["achievement"]["name"] = "Something grander"
    page = text(_post(site, credential=json.dumps(credential)))
    assert ">Not verified</h2>" in page
    assert "Do not rely on it" in page
    assert "What the credential claims (not confirmed)" in page


@pytest.mark.parametrize("pasted", ["hello", "{not json", "a.b.c", "[1, 2]"])
def test_garbage_gets_a_message_next_to_the_field_not_a_crash(
    site: Flask, pasted: str
) -> None:
    response = _post(site, credential=pasted)
    assert response.status_code == 422
    assert "This isn't a credential we can read" in text(response)


def test_nothing_given_asks_for_one_of_the_three(site: Flask) -> None:
    response = _post(site)
    assert response.status_code == 422
    assert "Paste a credential, upload a file, or enter" in text(response)


def test_two_ways_at_once_asks_for_one(site: Flask, documents: Documents) -> None:
    response = _post(site, credential="{}", url=f"{BASE}/credentials/x")
    assert response.status_code == 422
    assert "Use one way at a time" in text(response)
