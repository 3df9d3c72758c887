"""Credentials are issued as signed JSON only; the JWT and the baked PNG/SVG are made
on the first download, kept, and served unchanged afterwards; the bulk path reads a
whole chunk's rubric results at once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.baking import extract_png, extract_svg
from badges.jwt import decode_jwt
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from pdhub.db import utcnow
from pdhub.review.models import Decision, Review
from pdhub.submissions.states import SubmissionStatus
from tests.credentials.test_issuing import verify
from tests.factories import AwardFactory, SubmissionFactory, SubmissionVersionFactory


def _shared_bulk_credential(session: Session) -> IssuedCredential:
    award = AwardFactory()
    assert service.issue_credentials(session, [award.id]) == 1
    credential = service.current_credential(session, award)
    assert credential is not None
    credential.shared = True
    session.commit()
    return credential


def _stored(session: Session, credential_id: str) -> tuple[object, ...]:
    row = session.execute(
        select(
            IssuedCredential.jwt_cache,
            IssuedCredential.png_cache,
            IssuedCredential.svg_cache,
        ).where(IssuedCredential.id == credential_id)
    ).one()
    return tuple(row)


def test_issuing_stores_the_signed_json_and_leaves_the_other_forms_for_later(
    session: Session,
) -> None:
    credential = _shared_bulk_credential(session)
    assert _stored(session, credential.id) == (None, None, None)
    assert credential.document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_the_first_download_makes_and_keeps_each_form_and_later_ones_reuse_it(
    session: Session, client: FlaskClient
) -> None:
    credential = _shared_bulk_credential(session)
    json_before = credential.credential_json
    first = {
        kind: client.get(f"/credentials/{credential.id}.{kind}")
        for kind in ("jwt", "png", "svg")
    }
    assert all(response.status_code == 200 for response in first.values())
    session.expire_all()
    jwt, png, svg = _stored(session, credential.id)
    assert jwt == first["jwt"].get_data(as_text=True)
    assert bytes(png) == first["png"].data  # type: ignore[arg-type]
    assert bytes(svg) == first["svg"].data  # type: ignore[arg-type]
    for kind, response in first.items():
        again = client.get(f"/credentials/{credential.id}.{kind}")
        assert again.data == response.data, kind
    session.expire_all()
    assert session.get(IssuedCredential, credential.id).credential_json == json_before


def test_downloaded_forms_verify_and_carry_exactly_one_credential(
    session: Session, client: FlaskClient
) -> None:
    credential = _shared_bulk_credential(session)
    document = credential.document
    png = client.get(f"/credentials/{credential.id}.png").data
    svg = client.get(f"/credentials/{credential.id}.svg").data
    token = client.get(f"/credentials/{credential.id}.jwt").get_data(as_text=True)

    assert png.count(b"iTXt") == 1
    assert png.count(b"iTXtopenbadgecredential") == 1
    assert json.loads(extract_png(png)) == document
    assert svg.count(b"<openbadges:credential") == 1
    assert json.loads(extract_svg(svg)) == document
    decoded = decode_jwt(token)
    assert decoded.header["kid"] == document["proof"][0]["verificationMethod"]
    assert decoded.claims["iat"] == int(credential.issued_at.timestamp())
    assert decoded.credential == {k: v for k, v in document.items() if k != "proof"}
    for data in (png, svg, token):
        report = verify(data, client)
        assert report.verified, report.to_json()


def test_the_export_command_writes_the_kept_forms(
    session: Session, client: FlaskClient
) -> None:
    credential = _shared_bulk_credential(session)
    png = client.get(f"/credentials/{credential.id}.png").data
    runner = client.application.test_cli_runner()
    result = runner.invoke(
        args=["credentials", "export", credential.id, "--format", "png"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == png
    result = runner.invoke(
        args=["credentials", "export", credential.id, "--format", "jwt"]
    )
    assert result.exit_code == 0, result.output
    assert verify(result.output.strip(), client).verified


@pytest.mark.parametrize("chunk", [2, 8])
def test_a_bulk_chunk_reads_every_rubric_result_in_one_query(
    session: Session, count_queries: list[str], chunk: int
) -> None:
    awards = [AwardFactory() for _ in range(chunk)]
    now = utcnow()
    passed = Decision.PASSED
    for number, award in enumerate(awards):
        submission = SubmissionFactory(
            enrollment=award.enrollment, status=SubmissionStatus.PASSED
        )
        versions = [
            submission.versions[0],
            SubmissionVersionFactory(submission=submission, number=2),
        ]
        for version, age, level in (
            (versions[0], 2, "developing"),
            (versions[1], 1, "exemplary"),  # the newest passing review counts
        ):
            session.add(
                Review(
                    version_id=version.id,
                    submission_id=submission.id,
                    scores={
                        "context": {"level": level, "feedback": ""},
                        "reflection": {"level": "proficient", "feedback": ""},
                    },
                    decision=passed if number % 2 == 0 else Decision.NEEDS_REVISION,
                    started_at=now - timedelta(hours=age),
                    decided_at=now - timedelta(hours=age),
                )
            )
    session.flush()
    count_queries.clear()
    assert service.issue_credentials(session, [a.id for a in awards]) == chunk
    review_queries = [s for s in count_queries if "FROM reviews" in s]
    assert len(review_queries) == 1
    for number, award in enumerate(awards):
        credential = service.current_credential(session, award)
        assert credential is not None
        results = credential.document["credentialSubject"].get("result", [])
        levels = sorted(r["achievedLevel"].rsplit("-level-", 1)[1] for r in results)
        assert levels == (["exemplary", "proficient"] if number % 2 == 0 else [])


def test_jwts_kept_from_before_are_made_again_without_the_email_hash_in_sub(
    session: Session, client: FlaskClient
) -> None:
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from badges.multibase import base64url_decode, base64url_encode
    from pdhub.credentials import keys

    credential = _shared_bulk_credential(session)
    current = client.get(f"/credentials/{credential.id}.jwt").get_data(as_text=True)
    assert "sub" not in decode_jwt(current).claims
    # The form issued before: the same claims plus sub = the email hash.
    header, payload, _ = current.split(".")
    claims = json.loads(base64url_decode(payload))
    claims["sub"] = claims["credentialSubject"]["identifier"][0]["identityHash"]
    unsigned = f"{header}.{base64url_encode(json.dumps(claims).encode())}"
    pair = keys.key_store().load(credential.issuer_key)
    old = f"{unsigned}.{base64url_encode(pair.sign(unsigned.encode()))}"
    report = verify(old, client)
    assert report.check("structure").code == "jwt_claim_mismatch"
    credential.jwt_cache = old
    session.commit()
    assert client.get(f"/credentials/{credential.id}.jwt").get_data(as_text=True) == old

    path = Path(__file__).parents[2] / "migrations/versions/0011_conform.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(session.connection())):
        migration.upgrade()
    session.commit()
    session.expire_all()
    assert _stored(session, credential.id)[0] is None
    remade = client.get(f"/credentials/{credential.id}.jwt").get_data(as_text=True)
    assert remade == current
    assert verify(remade, client).verified
