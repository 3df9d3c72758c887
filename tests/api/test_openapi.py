"""/api/v1/openapi.json describes every JSON endpoint of the app."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy.orm import Session

from pdhub.accounts.service import create_api_token
from tests.factories import UserFactory
from tests.verification.fixtures import Documents


def test_every_api_route_is_in_the_openapi_document(
    app: Flask, client: FlaskClient
) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    described = {
        (f"/api/v1{path}", method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes, "the app has API routes"
    assert routes <= described, routes - described


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    # The document's "#/components/..." references, resolved inside the document.
    registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(document, DRAFT202012)
    )
    return Draft202012Validator(_absolute(schema), registry=registry)


def _absolute(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            key: ("urn:openapi" + value if key == "$ref" else _absolute(value))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(item) for item in schema]
    return schema


def _request_schema(document: dict[str, Any], path: str) -> Any:
    schema = document["paths"][path]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    return _validator(document, schema)


def _response_schema(
    document: dict[str, Any], path: str, status: str, media_type: str
) -> Any:
    schema = document["paths"][path]["get"]["responses"][status]["content"][media_type][
        "schema"
    ]
    return _validator(document, schema)


def _token(session: Session) -> dict[str, str]:
    token = create_api_token(session, UserFactory(district_admin=True), "HR")
    session.flush()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "body", [{}, {"credentials": [], "urls": []}, {"urls": []}, {"credentials": []}]
)
def test_an_empty_batch_is_refused_by_the_document_and_the_api(
    site: Flask, session: Session, body: dict[str, Any]
) -> None:
    client = site.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert not _request_schema(document, "/verify/batch").is_valid(body)
    response = client.post("/api/v1/verify/batch", json=body, headers=_token(session))
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"credentials": [{}], "urls": []},
        {"credentials": ["not.a.jwt"], "urls": []},
        {"urls": ["https://x.example/credentials/1"], "credentials": []},
    ],
)
def test_a_batch_the_document_allows_is_accepted(
    site: Flask, session: Session, body: dict[str, Any]
) -> None:
    client = site.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert _request_schema(document, "/verify/batch").is_valid(body)
    response = client.post("/api/v1/verify/batch", json=body, headers=_token(session))
    assert response.status_code == 202, response.get_json()


@pytest.mark.parametrize(
    "url", ["https://[", "https://a\x00b", "http://a b", "https://", "ftp://x.example"]
)
def test_a_url_the_server_cannot_read_is_refused_by_both(
    site: Flask, session: Session, url: str
) -> None:
    client = site.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    body = {"urls": [url]}
    assert not _request_schema(document, "/verify/batch").is_valid(body)
    response = client.post("/api/v1/verify/batch", json=body, headers=_token(session))
    assert response.status_code == 422  # not a 500, nor a batch stuck running


def test_an_object_that_is_not_a_credential_is_refused_by_the_document_and_the_api(
    site: Flask,
) -> None:
    client = site.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert not _request_schema(document, "/verify").is_valid({})
    assert client.post("/api/v1/verify", json={}).status_code == 422


def test_a_credential_the_document_allows_is_read(
    site: Flask, documents: Documents
) -> None:
    client = site.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    credential = documents.credential()
    assert _request_schema(document, "/verify").is_valid(credential)
    minimal = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "VerifiableCredential",
        "issuer": {"id": "did:example:1"},
        "credentialSubject": {},
        "validFrom": "nonsense",
    }
    assert _request_schema(document, "/verify").is_valid(minimal)
    response = client.post("/api/v1/verify", json=minimal)
    assert response.status_code == 200  # read, and judged not verified
    assert response.get_json()["verified"] is False


def test_the_report_is_answered_as_the_document_describes(
    site: Flask, session: Session
) -> None:
    client = site.test_client()
    headers = _token(session)
    started = client.post(
        "/api/v1/verify/batch", json={"credentials": [{}]}, headers=headers
    )
    report = client.get(started.headers["Location"] + "/report.json", headers=headers)
    document = client.get("/api/v1/openapi.json").get_json()
    schema = _response_schema(
        document,
        "/verify/batch/{batch_id}/report.json",
        "200",
        "application/json",
    )
    assert report.status_code == 200
    assert schema.is_valid(report.get_json())


def test_every_id_route_documents_not_found(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        if "{" in path:
            for operation in operations.values():
                assert "404" in operation["responses"], path
