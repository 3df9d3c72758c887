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


@pytest.mark.parametrize(
    "number", ["1e400", "-1e400", "1E+999", "1" + "0" * 400, "-" + "9" * 5000]
)
def test_numbers_beyond_json_range_get_a_400_problem_not_a_crash(
    site: Flask, documents: Documents, number: str
) -> None:
    credential = documents.credential()
    credential["credentialSubject"]["creditsEarned"] = "__N__"
    text = json.dumps(credential).replace('"__N__"', number)
    for body in (text, '{"name": ' + number + "}", number):
        response = site.test_client().post(
            "/api/v1/verify", data=body, content_type="application/json"
        )
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.mimetype == "application/problem+json"
        assert "too large for a JSON number" in response.get_json()["detail"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    number=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.integers(min_value=-(10**400), max_value=10**400).map(str),
        st.sampled_from(["1e400", "-0", "1e-400", "4.9e-324", "1.8e308"]),
    ),
    place=st.sampled_from(
        [
            ("credentialSubject", "creditsEarned"),
            ("name",),
            ("validFrom",),
            ("credentialStatus", "statusListIndex"),
            ("issuer",),
        ]
    ),
)
def test_odd_numbers_anywhere_in_a_credential_never_get_a_server_error(
    site: Flask, documents: Documents, number: str, place: tuple[str, ...]
) -> None:
    credential = documents.credential()
    target = credential
    for key in place[:-1]:
        target = target[key]
    target[place[-1]] = "__N__"
    body = json.dumps(credential).replace('"__N__"', number)
    response = site.test_client().post(
        "/api/v1/verify", data=body, content_type="application/json"
    )
    assert response.status_code in (200, 400, 422), response.status_code
    answer = response.get_json()
    if response.status_code != 400:
        assert answer["verified"] is False
        assert all(check["code"] for check in answer["checks"])


def test_the_413_message_states_the_limit_that_applies(
    site: Flask, documents: Documents
) -> None:
    client = site.test_client()
    too_big_json = client.post(
        "/api/v1/verify",
        data=b"x" * (1024 * 1024 + 1),
        content_type="application/json",
    )
    assert too_big_json.status_code == 413
    assert too_big_json.get_json()["detail"] == (
        "The upload is larger than the 1 MB limit."
    )
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="badge.png"'
        b"\r\n\r\n" + b"x" * (17 * 1024 * 1024) + b"\r\n--b--\r\n"
    )
    too_big_file = client.post(
        "/api/v1/verify", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert too_big_file.status_code == 413
    assert too_big_file.get_json()["detail"] == (
        "The upload is larger than the 16 MB limit."
    )


def test_checks_carry_a_machine_readable_code_beside_the_old_fields(
    site: Flask, documents: Documents
) -> None:
    client = site.test_client()
    good = client.post("/api/v1/verify", json=documents.credential()).get_json()
    assert [set(check) for check in good["checks"]] == [
        {"name", "passed", "code", "detail"}
    ] * 6
    codes = {check["name"]: check["code"] for check in good["checks"]}
    # The issuer check says how the issuer is trusted (here: the platform's list).
    assert codes.pop("issuer") == "trusted"
    assert set(codes.values()) == {"ok"}
    revoked = client.post(
        "/api/v1/verify", json=documents.credential(index=samples.REVOKED_INDEX)
    ).get_json()
    status = next(c for c in revoked["checks"] if c["name"] == "status")
    assert status["code"] == "revoked"
    assert revoked["verdict"] == "revoked"


def test_the_openapi_document_describes_the_check_codes(
    site: Flask, documents: Documents
) -> None:
    from jsonschema import Draft202012Validator

    client = site.test_client()
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    validator = Draft202012Validator(schema["Check"])
    for credential in (
        documents.credential(),
        documents.credential(index=samples.REVOKED_INDEX),
    ):
        body = client.post("/api/v1/verify", json=credential).get_json()
        for check in body["checks"]:
            validator.validate(check)
    assert "revoked" in schema["Check"]["properties"]["code"]["enum"]
