"""POST /api/v1/verify: a credential object, {"jwt": ...} or a file; garbage gets a 4xx
problem document, never a 500; rate limited; no CSRF token needed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verification import samples
from tests.verification.fixtures import Documents


def _checks(body: dict[str, object]) -> dict[str, bool]:
    return {check["name"]: check["passed"] for check in body["checks"]}  # type: ignore[attr-defined,index]


def test_a_credential_object_is_verified(site: Flask, documents: Documents) -> None:
    response = site.test_client().post("/api/v1/verify", json=documents.credential())
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["verdict"] == "verified"
    assert set(_checks(body)) == {
        "structure",
        "schema",
        "proof",
        "issuer",
        "validity",
        "status",
    }
    assert all(check["detail"] for check in body["checks"])


def test_a_jwt_is_verified(site: Flask, documents: Documents) -> None:
    jwt = samples.as_jwt(documents.key, documents.credential())
    body = site.test_client().post("/api/v1/verify", json={"jwt": jwt}).get_json()
    assert body["verified"] is True


@pytest.mark.parametrize("kind", ["png", "svg", "json"])
def test_a_file_upload_is_verified(
    site: Flask, documents: Documents, kind: str
) -> None:
    credential = documents.credential()
    data = {
        "png": samples.as_png,
        "svg": samples.as_svg,
        "json": lambda c: json.dumps(c).encode(),
    }[kind](credential)
    response = site.test_client().post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(data), f"badge.{kind}")},
        content_type="multipart/form-data",
    )
    assert response.get_json()["verified"] is True


def test_a_revoked_credential_is_not_verified_and_says_revoked(
    site: Flask, documents: Documents
) -> None:
    body = (
        site.test_client()
        .post("/api/v1/verify", json=documents.credential(index=samples.REVOKED_INDEX))
        .get_json()
    )
    assert body["verified"] is False
    assert body["verdict"] == "revoked"
    assert _checks(body)["status"] is False
    assert _checks(body)["proof"] is True


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2, 3]", "application/json", 422),
        (b'"a string"', "application/json", 422),
        (b'{"jwt": 5}', "application/json", 422),
        (
            b'{"jwt": "eyJhbGciOiJFZERTQSJ9.bm9wZQ.c2lnbmF0dXJl"}',
            "application/json",
            422,
        ),
        (b'{"jwt": "abc.def.ghi"}', "application/json", 422),
        (b"{}", "application/json", 422),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b"x" * (2 * 1024 * 1024), "application/json", 413),
        (b"hello", "text/plain", 415),
        (b"\xff\xfe\x00garbage", "application/octet-stream", 415),
    ],
)
def test_garbage_gets_a_problem_document(
    site: Flask, body: bytes, content_type: str, status: int
) -> None:
    response = site.test_client().post(
        "/api/v1/verify", data=body, content_type=content_type
    )
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]


def test_an_unreadable_credential_problem_still_lists_the_checks(site: Flask) -> None:
    response = site.test_client().post("/api/v1/verify", json={"jwt": "abc.def.ghi"})
    problem = response.get_json()
    assert problem["verified"] is False
    assert _checks(problem)["structure"] is False


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        st.binary(max_size=2000),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False)
            | st.text(max_size=40),
            lambda inner: (
                st.lists(inner, max_size=5)
                | st.dictionaries(st.text(max_size=10), inner, max_size=5)
            ),
            max_leaves=30,
        ).map(lambda value: json.dumps(value).encode()),
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "text/plain",
        ]
    ),
)
def test_random_bodies_never_get_a_server_error(
    site: Flask, body: bytes, content_type: str
) -> None:
    response = site.test_client().post(
        "/api/v1/verify", data=body, content_type=content_type
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_the_public_endpoint_is_rate_limited(
    app_factory: Callable[..., Flask], documents: Documents
) -> None:
    limited = app_factory(
        RATELIMIT_ENABLED=True,
        PDHUB_VERIFY_RATE_LIMIT="2 per minute",
        PDHUB_RATELIMIT_STORAGE_URI="memory://",
    )
    client = limited.test_client()
    statuses = [
        client.post("/api/v1/verify", json={"jwt": "a.b.c"}).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]
    assert client.post("/api/v1/verify", json={}).get_json()["status"] == 429


def test_no_csrf_token_is_needed_for_the_api_but_pages_still_need_one(
    app_factory: Callable[..., Flask], documents: Documents
) -> None:
    protected = app_factory(WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    assert client.post("/api/v1/verify", json=documents.credential()).status_code == 200
    assert client.post("/verify", data={"credential": "{}"}).status_code == 400
