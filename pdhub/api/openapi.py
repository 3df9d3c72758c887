"""The OpenAPI 3.1 document describing every JSON endpoint under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Flask

from badges.verify import CHECK_CODES


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}
            }
        },
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _batch_id() -> dict[str, Any]:
    return {
        "name": "batch_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }


def _download(media_type: str, description: str) -> dict[str, Any]:
    return {
        "tags": ["Batch verification"],
        "summary": description,
        "security": [{"bearer": []}],
        "parameters": [_batch_id()],
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": {"type": "string"}}},
            },
            "401": _problem("No valid API token."),
            "404": _problem("No such batch in your district."),
            "422": _problem("The batch is still running."),
        },
    }


def openapi_document(app: Flask) -> dict[str, Any]:
    """Build the document (servers from PDHUB_BASE_URL)."""
    batch_limit = app.config["PDHUB_VERIFY_BATCH_MAX"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PD Hub API",
            "version": "1",
            "description": "Verify Open Badges 3.0 credentials one at a time (no "
            "account needed, rate limited) or in batches (district API token). "
            "Errors are RFC 9457 problem documents.",
        },
        "servers": [{"url": app.config["PDHUB_BASE_URL"] + "/api/v1"}],
        "paths": {
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                }
            },
            "/verify": {
                "post": {
                    "tags": ["Verification"],
                    "summary": "Verify one credential.",
                    "description": "Checks structure, schema, proof, issuer, validity "
                    "and status, each reported separately. verified is true only when "
                    "every check passed. With an email address, recipient says "
                    "whether the credential was issued to it (checked against the "
                    "credential's salted email hash; the address is not stored). "
                    "Rate limited per address "
                    f"({app.config['PDHUB_VERIFY_RATE_LIMIT']}).",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Credential"},
                                        {
                                            "type": "object",
                                            "required": ["jwt"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "jwt": {"type": "string"},
                                                "email": {
                                                    "$ref": "#/components/schemas/ExpectedEmail"  # noqa: E501
                                                },
                                            },
                                        },
                                        {
                                            "type": "object",
                                            "required": ["credential"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "credential": {
                                                    "$ref": "#/components/schemas/Credential"  # noqa: E501
                                                },
                                                "email": {
                                                    "$ref": "#/components/schemas/ExpectedEmail"  # noqa: E501
                                                },
                                            },
                                        },
                                    ]
                                }
                            },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {
                                            "type": "string",
                                            "contentMediaType": "application/octet-stream",  # noqa: E501
                                            "description": "JSON, JWT, or a baked PNG "
                                            "or SVG.",
                                        },
                                        "email": {
                                            "$ref": "#/components/schemas/ExpectedEmail"
                                        },
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/Verification"},
                            "The verification report.",
                        ),
                        "400": _problem("The body is not valid JSON."),
                        "413": _problem("The body is too large."),
                        "415": _problem("Unsupported media type."),
                        "422": _problem(
                            "Not a credential that can be read; the problem document "
                            "also carries verified (false) and checks."
                        ),
                        "429": _problem("Too many requests; wait and retry."),
                    },
                }
            },
            "/verify/batch": {
                "post": {
                    "tags": ["Batch verification"],
                    "summary": f"Start verifying up to {batch_limit} credentials.",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "properties": {
                                        "urls": {
                                            "type": "array",
                                            "items": {
                                                "type": "string",
                                                "format": "uri",
                                            },
                                        },
                                        "credentials": {
                                            "type": "array",
                                            "items": {
                                                "oneOf": [
                                                    {
                                                        "$ref": "#/components/schemas/Credential"  # noqa: E501
                                                    },
                                                    {
                                                        "type": "string",
                                                        "description": "A VC-JWT",
                                                    },
                                                ]
                                            },
                                        },
                                    },
                                }
                            },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {
                                            "type": "string",
                                            "description": "A CSV of URLs or a "
                                            "ZIP of credential files.",
                                        }
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "202": _json(
                            {"$ref": "#/components/schemas/Batch"},
                            "Accepted; poll the Location.",
                        ),
                        "400": _problem("The body is not valid JSON."),
                        "401": _problem("No valid API token."),
                        "403": _problem("The token is not a district administrator's."),
                        "413": _problem("The body is too large."),
                        "415": _problem("Unsupported media type."),
                        "422": _problem(
                            "No credentials, too many, or malformed items."
                        ),
                    },
                }
            },
            "/verify/batch/{batch_id}": {
                "get": {
                    "tags": ["Batch verification"],
                    "summary": "Progress, then every result once done.",
                    "security": [{"bearer": []}],
                    "parameters": [_batch_id()],
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/Batch"}, "The batch."
                        ),
                        "401": _problem("No valid API token."),
                        "404": _problem("No such batch in your district."),
                    },
                }
            },
            "/verify/batch/{batch_id}/results.csv": {
                "get": _download("text/csv", "The results as CSV.")
            },
            "/verify/batch/{batch_id}/report.json": {
                "get": _download(
                    "application/json",
                    "The verification report (the exact signed bytes).",
                )
            },
            "/verify/batch/{batch_id}/report.jws": {
                "get": _download(
                    "application/jose",
                    "Detached JWS (EdDSA) over report.json, by the platform's did:key.",
                )
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A district administrator's API token.",
                }
            },
            "schemas": {
                "Credential": {
                    "type": "object",
                    "description": "An Open Badges 3.0 OpenBadgeCredential (VC 2.0).",
                },
                "ExpectedEmail": {
                    "type": "string",
                    "maxLength": 254,
                    "description": "The email address the verifier expects the "
                    "credential to be issued to. Compared (trimmed, lower case) with "
                    "the credential's salted hash, then forgotten: never stored.",
                    "examples": ["teacher@school.example"],
                },
                "Check": {
                    "type": "object",
                    "required": ["name", "passed", "code", "detail"],
                    "properties": {
                        "name": {
                            "enum": [
                                "structure",
                                "schema",
                                "proof",
                                "issuer",
                                "validity",
                                "status",
                            ]
                        },
                        "passed": {"type": "boolean"},
                        "code": {
                            "enum": sorted(CHECK_CODES),
                            "description": "What the outcome is, for programs: "
                            "decide on this, not on detail. "
                            + "; ".join(f"{c}: {m}" for c, m in CHECK_CODES.items()),
                        },
                        "detail": {
                            "type": "string",
                            "description": "The outcome in plain words, for people.",
                        },
                    },
                },
                "Verification": {
                    "type": "object",
                    "required": ["verified", "checks"],
                    "properties": {
                        "verified": {"type": "boolean"},
                        "verdict": {
                            "enum": [
                                "verified",
                                "not_verified",
                                "revoked",
                                "suspended",
                                "expired",
                                "status_not_checked",
                            ]
                        },
                        "recipient": {
                            "type": "object",
                            "required": ["match", "detail"],
                            "properties": {
                                "match": {
                                    "enum": ["matches", "does_not_match", "not_checked"]
                                },
                                "detail": {"type": "string"},
                            },
                        },
                        "checks": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Check"},
                        },
                    },
                },
                "Batch": {
                    "type": "object",
                    "required": ["id", "status", "total", "checked", "percent"],
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"enum": ["running", "done"]},
                        "total": {"type": "integer"},
                        "checked": {"type": "integer"},
                        "percent": {"type": "integer"},
                        "verified": {"type": ["integer", "null"]},
                        "created": {"type": "string", "format": "date-time"},
                        "finished": {"type": ["string", "null"], "format": "date-time"},
                        "links": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
                        "results": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "Problem": {
                    "type": "object",
                    "description": "RFC 9457 problem details.",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                    },
                },
            },
        },
    }
