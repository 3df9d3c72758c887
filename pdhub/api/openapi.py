"""The OpenAPI 3.1 document describing every JSON endpoint under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Flask

from badges.verify import CHECK_CODES
from pdhub.api.limits import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    MAX_YEAR,
    MIN_YEAR,
)
from pdhub.routing import MAX_ID
from pdhub.verification.models import RecipientMatch, Verdict
from pdhub.verification.uploads import URL_PATTERN


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
        # Ids are 32-bit: a larger one is no batch (404).
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


def _download(
    media_type: str, description: str, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "tags": ["Batch verification"],
        "summary": description,
        "security": [{"bearer": []}],
        "parameters": [_batch_id()],
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": schema or {"type": "string"}}},
            },
            **_token_problems(),
            "404": _problem("No such batch in your district."),
            "409": _problem("The batch is still running: try again when it is done."),
        },
    }


def _token_problems() -> dict[str, Any]:
    return {
        "401": _problem("No valid API token."),
        "403": _problem("The token is not a district administrator's."),
    }


def _import_id() -> dict[str, Any]:
    return {
        "name": "import_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


def _roster_problems() -> dict[str, Any]:
    return {
        "401": _problem("No valid API token, or an expired one."),
        "403": _problem(
            "The token lacks roster:write, or is not a district administrator's."
        ),
    }


def _district_page(
    summary: str,
    item: str,
    parameters: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A paginated district endpoint: page and limit, a token with the scope."""
    return {
        "tags": ["District"],
        "summary": summary,
        "security": [{"bearer": []}],
        "parameters": [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                "description": "The page, from 1.",
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                "description": f"Lines per page ({DEFAULT_LIMIT} when left out).",
            },
            *parameters,
        ],
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["items", "page", "limit", "total", "next"],
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {"$ref": f"#/components/schemas/{item}"},
                        },
                        "page": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "total": {"type": "integer"},
                        "next": {
                            "type": ["string", "null"],
                            "description": "The next page's address, or null.",
                        },
                        **(extra or {}),
                    },
                },
                "One page of lines.",
            ),
            "401": _problem("No valid API token, or an expired one."),
            "403": _problem(
                "The token lacks the scope, or is not a district administrator's."
            ),
            "422": _problem("A query parameter is not valid."),
        },
    }


def _credential_schema() -> dict[str, Any]:
    # What the verifier's structure check needs before it reads a credential
    # (badges.verify._check_structure): a JSON object without these is answered
    # 422 as unreadable, so the document does not call it valid.
    return {
        "type": "object",
        "description": "An Open Badges 3.0 OpenBadgeCredential (VC 2.0). Only its "
        "structure is required here; the verification report judges the rest.",
        "required": ["@context", "type", "issuer", "credentialSubject", "validFrom"],
        "properties": {
            "@context": {
                "type": "array",
                "minItems": 1,
                "prefixItems": [{"const": "https://www.w3.org/ns/credentials/v2"}],
            },
            "type": {
                "anyOf": [
                    {"type": "array", "contains": {"const": "VerifiableCredential"}},
                    {"type": "string", "pattern": "VerifiableCredential"},
                ]
            },
            "issuer": {
                "anyOf": [
                    {"type": "string", "minLength": 1},
                    {
                        "type": "object",
                        "required": ["id"],
                        "properties": {"id": {"type": "string", "minLength": 1}},
                    },
                ]
            },
            "credentialSubject": {"type": ["object", "array"]},
            "validFrom": {"type": "string"},
            "id": {"type": "string"},
        },
    }


def _batch_request_schema(batch_limit: int) -> dict[str, Any]:
    # The body must hold at least one credential or URL (an empty batch is
    # refused): anyOf says so, where a bare object schema would allow {}.
    return {
        "type": "object",
        "description": f"Up to {batch_limit} items in all, urls and credentials "
        "together.",
        "additionalProperties": False,
        "properties": {
            "urls": {
                "type": "array",
                "maxItems": batch_limit,
                "items": {
                    "type": "string",
                    "pattern": f"^{URL_PATTERN.pattern}$",
                    "maxLength": 2048,
                },
            },
            "credentials": {
                "type": "array",
                "maxItems": batch_limit,
                "items": {
                    "anyOf": [
                        {"type": "object", "description": "A credential"},
                        {"type": "string", "description": "A VC-JWT"},
                    ]
                },
            },
        },
        "anyOf": [
            {"required": ["urls"], "properties": {"urls": {"minItems": 1}}},
            {
                "required": ["credentials"],
                "properties": {"credentials": {"minItems": 1}},
            },
        ],
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
                    "and status, each reported separately. The issuer check passes "
                    "only when the signing key is the issuer's and the issuer is "
                    "trusted: this deployment's own, on the platform's trust list, "
                    "or (with a district administrator's bearer token, optional) on "
                    "the district's list; its code says which case applies. "
                    "verified is true only for the verdict verified; "
                    "unlisted_issuer means a valid signature in good standing from "
                    "an issuer on no list used (issuer.claimedName is the "
                    "credential's own claim, never confirmed). With an email "
                    "address, recipient says whether the credential was issued to "
                    "it (checked against the credential's salted email hash; the "
                    "address is not stored). Rate limited per address "
                    f"({app.config['PDHUB_VERIFY_RATE_LIMIT']}).",
                    "security": [{}, {"bearer": []}],
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
                                                    "anyOf": [
                                                        {
                                                            "$ref": "#/components/schemas/Credential"  # noqa: E501
                                                        },
                                                        {
                                                            "type": "string",
                                                            "description": "A VC-JWT",
                                                        },
                                                    ]
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
                        "401": _problem("A bearer token was sent but is not valid."),
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
            "/exchanges/{exchange_id}": {
                "post": {
                    "tags": ["Wallets"],
                    "summary": "Participate in a wallet exchange (VC-API).",
                    "description": "The exchange a teacher opens with 'Add to a "
                    "wallet' (single use, 15 minutes). POST {} to receive a "
                    "verifiablePresentationRequest asking for DIDAuthentication "
                    "(a challenge and this site's origin as domain); then POST "
                    "{verifiablePresentation} signed by the holder's did:key with "
                    "proofPurpose authentication over that challenge and domain "
                    "(eddsa-rdfc-2022 or Ed25519Signature2020) to receive the "
                    "badge with credentialSubject.id set to the holder's DID. The "
                    "bare presentation (the older Learner Credential Wallet link) "
                    "is accepted too. No token: the exchange id is the key.",
                    "security": [{}],
                    "parameters": [
                        {
                            "name": "exchange_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 64},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "verifiablePresentationRequest": {"type": "object"},
                                    "verifiablePresentation": {"type": "object"},
                                },
                            },
                            "The presentation request, or the presentation "
                            "carrying the wallet-bound credential",
                        ),
                        "400": _problem("Not an exchange step"),
                        "401": _problem(
                            "The presentation does not prove control of the "
                            "holder's did:key (challenge, domain, purpose or "
                            "signature)"
                        ),
                        "404": _problem("No such exchange"),
                        "410": _problem("The exchange was used or has expired"),
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
                                "schema": {"$ref": "#/components/schemas/BatchRequest"}
                            },
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["file"],
                                    "properties": {
                                        "file": {
                                            "type": "string",
                                            "contentMediaType": "application/octet-stream",  # noqa: E501
                                            "description": "A CSV of URLs or a "
                                            "ZIP of credential files; one that "
                                            "is neither is answered 422.",
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
                        **_token_problems(),
                        "413": _problem("The body is too large."),
                        "415": _problem("Unsupported media type."),
                        "422": _problem(
                            "No credentials, too many, malformed items, or a ZIP "
                            "refused as a ZIP bomb (too many files, a file over 4 MB "
                            "or too much data uncompressed, or compressed too much)."
                        ),
                        "429": _problem(
                            "The district or this token started too many batches in "
                            "the last hour "
                            f"({app.config['PDHUB_VERIFY_BATCHES_PER_HOUR']} per "
                            "district, "
                            f"{app.config['PDHUB_VERIFY_BATCHES_PER_HOUR_PER_TOKEN']}"
                            " per token)."
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
                        **_token_problems(),
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
                    {"$ref": "#/components/schemas/Report"},
                )
            },
            "/verify/batch/{batch_id}/report.jws": {
                "get": _download(
                    "application/jose",
                    "Detached JWS (EdDSA) over report.json, by the platform's did:key.",
                )
            },
            "/district/progress": {
                "get": _district_page(
                    "Staff progress on assigned modules, a line per teacher and "
                    "assignment (scope progress:read).",
                    "ProgressLine",
                    [
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "schema": {"enum": ["done", "on_track", "late"]},
                            "description": "Only lines with this status.",
                        }
                    ],
                )
            },
            "/district/ledger": {
                "get": _district_page(
                    "The hours ledger of one school year, a line per teacher "
                    "(scope ledger:read). Platform hours, district credit and "
                    "learning done elsewhere stay apart.",
                    "LedgerLine",
                    [
                        {
                            "name": "year",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": MIN_YEAR,
                                "maximum": MAX_YEAR,
                            },
                            "description": "The school year, by the calendar year "
                            "it starts in; the current one when left out.",
                        }
                    ],
                    extra={
                        "year": {"type": "integer"},
                        "yearLabel": {"type": "string"},
                        "unit": {"enum": ["hours", "points", "ceus"]},
                    },
                )
            },
            "/district/roster": {
                "post": {
                    "tags": ["District"],
                    "summary": "Upload a staff roster and get its preview (scope "
                    "roster:write). Nothing changes until it is applied.",
                    "description": "A OneRoster 1.2 users.csv (with orgs.csv for "
                    "the schools, optional), or a CSV with the columns name, email, "
                    "school and role. The preview lists every problem by file, line "
                    "and column; a file with problems cannot be applied.",
                    "security": [{"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["users"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "users": {
                                            "type": "string",
                                            "contentMediaType": "text/csv",
                                        },
                                        "orgs": {
                                            "type": "string",
                                            "contentMediaType": "text/csv",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {"$ref": "#/components/schemas/RosterImport"},
                            "The preview.",
                        ),
                        **_roster_problems(),
                        "413": _problem("The file is too large."),
                        "415": _problem("Not multipart/form-data."),
                        "422": _problem("The upload is not a CSV roster."),
                    },
                }
            },
            "/district/roster/{import_id}": {
                "get": {
                    "tags": ["District"],
                    "summary": "A roster import: its preview, then its progress.",
                    "security": [{"bearer": []}],
                    "parameters": [_import_id()],
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/RosterImport"},
                            "The import.",
                        ),
                        **_roster_problems(),
                        "404": _problem("No such import in your district."),
                    },
                }
            },
            "/district/roster/{import_id}/apply": {
                "post": {
                    "tags": ["District"],
                    "summary": "Apply a clean preview (once; again changes nothing).",
                    "security": [{"bearer": []}],
                    "parameters": [_import_id()],
                    "responses": {
                        "202": _json(
                            {"$ref": "#/components/schemas/RosterImport"},
                            "Being applied, or already applied.",
                        ),
                        **_roster_problems(),
                        "404": _problem("No such import in your district."),
                        "409": _problem("The file has problems: upload it again."),
                    },
                }
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
                "Credential": _credential_schema(),
                "BatchRequest": _batch_request_schema(batch_limit),
                "Report": {
                    "type": "object",
                    "description": "The signed verification report of a batch.",
                    "required": ["type", "batch", "total", "counts", "results"],
                    "properties": {
                        "type": {"const": "PDHubVerificationReport"},
                        "batch": {"type": "integer"},
                        "total": {"type": "integer"},
                        "counts": {
                            "type": "object",
                            "additionalProperties": {"type": "integer"},
                        },
                        "resultsCsvSha256": {"type": "string"},
                        "results": {"type": "array", "items": {"type": "object"}},
                    },
                },
                "ExpectedEmail": {
                    # null or blank: no email to check (what the API does).
                    "type": ["string", "null"],
                    "maxLength": 254,
                    # What verification.service.check_email_input accepts.
                    "pattern": r"^\s*([^ ]+@[^ @]+)?\s*$",
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
                            "decide on this, not on detail. The issuer check's code "
                            "is trusted (on a trust list used; passed) or not_listed "
                            "(valid signature, issuer on no list used) once the "
                            "signing key is the issuer's. "
                            + "; ".join(f"{c}: {m}" for c, m in CHECK_CODES.items()),
                        },
                        "detail": {
                            "type": "string",
                            "description": "The outcome in plain words, for people.",
                        },
                    },
                },
                "Issuer": {
                    "type": "object",
                    "properties": {
                        "identifier": {
                            "type": ["string", "null"],
                            "description": "The issuer's DID (or URL) that signed.",
                        },
                        "claimedName": {
                            "type": ["string", "null"],
                            "description": "The name the credential gives its "
                            "issuer: a claim, not confirmed.",
                        },
                        "trusted": {"type": "boolean"},
                        "trustedName": {
                            "type": ["string", "null"],
                            "description": "The trust list's name for the issuer.",
                        },
                        "trustList": {"enum": ["own", "platform", "district", None]},
                    },
                },
                "Verification": {
                    "type": "object",
                    "required": ["verified", "checks"],
                    "properties": {
                        "verified": {"type": "boolean"},
                        "verdict": {
                            "enum": [
                                verdict.value
                                for verdict in Verdict
                                if verdict is not Verdict.SKIPPED
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
                        "issuer": {"$ref": "#/components/schemas/Issuer"},
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
                        "results": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/BatchResult"},
                        },
                    },
                },
                "BatchResult": {
                    "type": "object",
                    "properties": {
                        "row": {"type": "integer"},
                        "source": {
                            "type": "string",
                            "description": "The file name in the ZIP, or the link.",
                        },
                        "verified": {"type": "boolean"},
                        "verdict": {"enum": [verdict.value for verdict in Verdict]},
                        "teacher": {"type": ["string", "null"]},
                        "achievement": {"type": ["string", "null"]},
                        "issuer": {"$ref": "#/components/schemas/Issuer"},
                        "recipient": {
                            "enum": [*(match.value for match in RecipientMatch), None]
                        },
                        "issued": {"type": ["string", "null"]},
                        "reasons": {"type": "array", "items": {"type": "string"}},
                        "checks": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Check"},
                        },
                    },
                },
                "ProgressLine": {
                    "type": "object",
                    "properties": {
                        "teacherId": {"type": "integer"},
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                        "school": {"type": ["string", "null"]},
                        "assignmentId": {"type": "integer"},
                        "module": {"type": "string"},
                        "moduleTitle": {"type": "string"},
                        "dueDate": {"type": "string", "format": "date"},
                        "status": {"enum": ["done", "on_track", "late"]},
                        "started": {"type": "boolean"},
                        "completedAt": {"type": ["string", "null"]},
                    },
                },
                "LedgerLine": {
                    "type": "object",
                    "properties": {
                        "teacherId": {"type": "integer"},
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                        "school": {"type": ["string", "null"]},
                        "platformHours": {"type": "number"},
                        "salaryCredit": {"type": "number"},
                        "recertificationCredit": {"type": "number"},
                        "externalHoursApproved": {"type": "number"},
                        "externalHoursPending": {"type": "number"},
                        "badges": {"type": "integer"},
                        "modulesInProgress": {"type": "integer"},
                        "overdueAssignments": {"type": "integer"},
                    },
                },
                "RosterImport": {
                    "type": "object",
                    "required": ["id", "status", "total", "problems", "links"],
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {
                            "enum": ["preview", "queued", "applying", "done", "failed"]
                        },
                        "source": {"enum": ["oneroster", "simple"]},
                        "total": {"type": "integer"},
                        "processed": {"type": "integer"},
                        "problems": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "file": {"type": "string"},
                                    "line": {"type": "integer"},
                                    "column": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                        "newSchools": {"type": "array", "items": {"type": "string"}},
                        "outcome": {
                            "type": "object",
                            "additionalProperties": {"type": "integer"},
                        },
                        "summary": {
                            "type": "object",
                            "properties": {
                                "new": {"type": "integer"},
                                "updated": {"type": "integer"},
                                "leaving": {"type": "integer"},
                            },
                        },
                        "links": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                        },
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
