"""Digital Bazaar's reference libraries verify our credentials, and we verify theirs.

Runs ``npm ci`` once (node_modules is kept in tests/interop, gitignored) and the
Node scripts beside this file. Node is required: without it these tests fail
rather than skip, because interoperability is a promise, not an extra.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from badges.credential import (
    Achievement,
    Alignment,
    IssuerProfile,
    OpenBadgeCredential,
    Recipient,
    Result,
    ResultDescription,
    RubricLevel,
    StatusEntry,
)
from badges.dates import parse_date_time
from badges.dids import Resolver
from badges.documents import ED25519_2020
from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from badges.status import StatusList, build_status_list_credential
from badges.verify import verify_credential

HERE = Path(__file__).resolve().parent
VECTOR_DIR = HERE.parent / "spec" / "ob3" / "1edtech-vector"
SEED = bytes(range(100, 132))
KEY = Ed25519KeyPair.from_seed(SEED)
VALID_FROM = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CREATED = "2026-11-25T12:00:05Z"
REVOKED_INDEX = 17
SUSPENDED_INDEX = 23


def _node() -> str:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are required for the interoperability tests")
    return node


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, after ``npm ci`` has installed the pinned packages once."""
    node = _node()
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return node


class _StatusServer(ThreadingHTTPServer):
    documents: dict[str, bytes]


class _Handler(BaseHTTPRequestHandler):
    server: _StatusServer

    def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
        body = self.server.documents.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/vc+ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def status_server() -> Iterator[_StatusServer]:
    """A loopback HTTP server hosting status list credentials."""
    server = _StatusServer(("127.0.0.1", 0), _Handler)
    server.documents = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server: _StatusServer, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


@pytest.fixture(scope="module")
def lists(status_server: _StatusServer) -> dict[str, str]:
    """Signed revocation and suspension lists, served from the loopback server."""
    urls = {}
    for purpose, index in (
        ("revocation", REVOKED_INDEX),
        ("suspension", SUSPENDED_INDEX),
    ):
        path = f"/status/{purpose}"
        url = _url(status_server, path)
        bits = StatusList()
        bits.set(index)
        document = build_status_list_credential(
            list_url=url,
            issuer_id=KEY.did_key,
            purpose=purpose,
            status_list=bits,
            valid_from=VALID_FROM,
        )
        signed = sign_document(document, KEY, KEY.did_key_verification_method)
        status_server.documents[path] = json.dumps(signed).encode()
        urls[purpose] = url
    return urls


def badge(status: StatusEntry | None = None) -> dict[str, Any]:
    level = RubricLevel(
        id="https://pdhub.example/rubrics/1/levels/demonstrated", name="Demonstrated"
    )
    criterion = ResultDescription(
        id="https://pdhub.example/rubrics/1/criteria/1",
        name="Uses formative assessment data",
        levels=(level,),
    )
    return OpenBadgeCredential(
        issuer=IssuerProfile(KEY.did_key, "PD Hub", "https://pdhub.example"),
        achievement=Achievement(
            id="https://pdhub.example/achievements/formative-assessment/v2",
            name="Formative Assessment",
            description="Adjusts instruction from formative assessment evidence.",
            criteria_narrative="A coach scores the submitted evidence Demonstrated.",
            alignments=(
                Alignment(
                    target_name="Standard 5",
                    target_url="https://example.org/standards/5",
                ),
            ),
            credits_available=1.5,
            result_descriptions=(criterion,),
        ),
        recipient=Recipient.from_email("teacher@school.example", salt="pepper"),
        valid_from=VALID_FROM,
        id="urn:uuid:8d1e0e3c-36a5-4a1e-9d8e-2b1b7c3f9a10",
        awarded_date=VALID_FROM,
        results=(Result(criterion.id, level.id),),
        credits_earned=1.5,
        status=status,
    ).to_json()


def signed_badge(status: StatusEntry | None = None) -> dict[str, Any]:
    return sign_document(
        badge(status),
        KEY,
        KEY.did_key_verification_method,
        created=parse_date_time(CREATED),
    )


def run_verifier(node: str, credential: dict[str, Any], *args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [node, str(HERE / "verify.mjs"), "-", *args],
        input=json.dumps(credential),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    assert (completed.returncode == 0) == result["verified"], completed.stderr
    return result


def run_signer(node: str, suite: str, credential: dict[str, Any]) -> dict[str, Any]:
    completed = subprocess.run(
        [node, str(HERE / "sign.mjs"), suite, SEED.hex(), CREATED],
        input=json.dumps(credential),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    signed: dict[str, Any] = json.loads(completed.stdout)
    return signed


def test_digitalbazaar_verifies_our_credential_and_its_status(
    node: str, lists: dict[str, str]
) -> None:
    entry = StatusEntry(lists["revocation"], 5)
    result = run_verifier(node, signed_badge(entry))
    assert result["verified"], result
    assert result["statuses"] == [{"statusPurpose": "revocation", "set": False}]


def test_digitalbazaar_rejects_a_tampered_credential(
    node: str, lists: dict[str, str]
) -> None:
    credential = signed_badge(StatusEntry(lists["revocation"], 5))
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["creditsEarned"] = 15
    result = run_verifier(node, tampered)
    assert not result["verified"]
    assert not result["proofVerified"]


def test_digitalbazaar_reports_a_revoked_credential_revoked(
    node: str, lists: dict[str, str]
) -> None:
    result = run_verifier(
        node, signed_badge(StatusEntry(lists["revocation"], REVOKED_INDEX))
    )
    assert not result["verified"]
    assert result["proofVerified"]
    assert result["revoked"]


def test_digitalbazaar_reports_a_suspended_credential_suspended(
    node: str, lists: dict[str, str]
) -> None:
    entry = StatusEntry(lists["suspension"], SUSPENDED_INDEX, "suspension")
    result = run_verifier(node, signed_badge(entry))
    assert result["suspended"]
    assert not result["verified"]


def test_python_reports_the_same_revocation_over_http(
    lists: dict[str, str], status_server: _StatusServer
) -> None:
    def fetch(url: str) -> bytes:
        assert url.startswith("http://127.0.0.1:")
        return status_server.documents[
            url.split(str(status_server.server_address[1]))[1]
        ]

    revoked = verify_credential(
        signed_badge(StatusEntry(lists["revocation"], REVOKED_INDEX)),
        resolver=Resolver(),
        status_fetcher=fetch,
    )
    assert revoked.check("status").detail == "the credential is revoked"
    fine = verify_credential(
        signed_badge(StatusEntry(lists["revocation"], 5)),
        resolver=Resolver(),
        status_fetcher=fetch,
    )
    assert fine.verified, fine.to_json()


def test_digitalbazaar_verifies_the_1edtech_vector_like_we_do(node: str) -> None:
    vector = json.loads((VECTOR_DIR / "credential.json").read_text())
    controller = VECTOR_DIR / "controller.json"
    result = run_verifier(
        node, vector, "--document", f"https://example.edu/issuers/565049={controller}"
    )
    assert result["verified"], result


def test_digitalbazaar_proofs_equal_ours_byte_for_byte(node: str) -> None:
    ours = signed_badge()
    theirs = run_signer(node, "eddsa-rdfc-2022", badge())
    assert theirs["proof"] == ours["proof"][0]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_we_verify_credentials_signed_by_digitalbazaar(node: str, suite: str) -> None:
    credential = badge()
    if suite == "Ed25519Signature2020":
        credential["@context"] = [*credential["@context"], ED25519_2020]
    signed = run_signer(node, suite, credential)
    report = verify_credential(signed, resolver=Resolver(), status_fetcher=None)
    assert report.verified, report.to_json()
    signed["name"] = "Changed"
    report = verify_credential(signed, resolver=Resolver(), status_fetcher=None)
    assert not report.check("proof").passed


@pytest.mark.parametrize(
    "other",
    [
        {
            "type": "DataIntegrityProof",
            "cryptosuite": "ecdsa-rdfc-2019",
            "created": CREATED,
            "verificationMethod": "did:example:other#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSe"
            "PTFehP8c3PGfb6a",
        },
        {
            "type": "BbsBlsSignature2020",
            "created": CREATED,
            "verificationMethod": "did:example:other#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": (
                "kTTbA3pmDa6Qia/JkOnIXDLmoBz3vsi7L5t3DWySI/VLmBqleJ/Tbus5RoyiDERD"
                "BEh5rnACXlnOqJ/U8yFQFtcp/mBCc2FtKNPHae9jKIv1dm9K9QK1F3GI1AwyGoUf"
                "jLWrkGDObO1ouNAhpEd0+et+qiOf2j8p3MTTtRRx4Hgjcl0jXCq7C7R5/nLpgimH"
                "AAAAdAx4ouhMk7v9dXijCIMaG0deicn6fLoq3GcNHuH5X1j22LU/hDu7vvPnk/6J"
                "LkZ1xQAAAAIPd1tu598L/K3NSy0zOy6obaojEnaqc1R5Ih/6ZZgfEZoQ3JSa6d3T"
                "fXo7Wa/vyfY1mQo9CCkfWIzHbKb7YUdc"
            ),
        },
    ],
)
def test_one_valid_proof_is_enough_for_digitalbazaar_and_for_us(
    node: str, lists: dict[str, str], status_server: _StatusServer, other: Any
) -> None:
    credential = signed_badge(StatusEntry(lists["revocation"], 5))
    both = {**credential, "proof": [*credential["proof"], other]}
    theirs = run_verifier(node, both)
    ours = verify_credential(
        both,
        resolver=Resolver(),
        status_fetcher=lambda url: status_server.documents["/" + url.split("/", 3)[3]],
        now=datetime.now(UTC),
    )
    assert theirs["verified"], theirs
    assert ours.verified, ours.to_json()
    # With the supported proof broken, neither accepts the credential.
    broken = copy.deepcopy(both)
    broken["name"] = "Changed after signing"
    assert not run_verifier(node, broken)["verified"]
    assert (
        verify_credential(
            broken,
            resolver=Resolver(),
            status_fetcher=lambda url: status_server.documents[
                "/" + url.split("/", 3)[3]
            ],
        )
        .check("proof")
        .code
        == "proof_invalid"
    )
