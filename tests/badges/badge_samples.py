"""Sample data shared by the badges tests: reference paths, keys and a PD Hub badge."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from badges.credential import (
    Achievement,
    Alignment,
    Evidence,
    Image,
    IssuerProfile,
    OpenBadgeCredential,
    Recipient,
    Result,
    ResultDescription,
    RubricLevel,
    StatusEntry,
)
from badges.keys import Ed25519KeyPair

OB3_SPEC = Path(__file__).resolve().parents[1] / "spec" / "ob3"
VECTOR_DIR = OB3_SPEC / "1edtech-vector"


ISSUER_SEED = bytes(range(32))
VALID_FROM = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_badge(
    issuer_key: Ed25519KeyPair,
    *,
    status: StatusEntry | None = None,
    **overrides: Any,
) -> OpenBadgeCredential:
    """A PD Hub style badge: micro-credential, rubric results, evidence, PD hours."""
    demonstrated = RubricLevel(
        id="https://pdhub.example/rubrics/equity/levels/demonstrated",
        name="Demonstrated",
        description="Evidence meets every element of the criterion.",
        level="2",
    )
    not_yet = RubricLevel(
        id="https://pdhub.example/rubrics/equity/levels/not-yet",
        name="Not yet",
        level="1",
    )
    criterion = ResultDescription(
        id="https://pdhub.example/rubrics/equity/criteria/access",
        name="Plans for device and connectivity access",
        levels=(demonstrated, not_yet),
        allowed_values=("Demonstrated", "Not yet"),
    )
    values: dict[str, Any] = {
        "issuer": IssuerProfile(
            id=issuer_key.did_key,
            name="PD Hub Demo District",
            url="https://pdhub.example",
            email="credentials@pdhub.example",
            image=Image("https://pdhub.example/logo.png", caption="PD Hub"),
        ),
        "achievement": Achievement(
            id="https://pdhub.example/achievements/digital-equity-classroom/v1",
            name="Digital Equity in the Classroom",
            description="Plans lessons that close the access, use and design divides.",
            criteria_narrative="Pass the knowledge check and submit a lesson plan "
            "that a coach scores Demonstrated on every rubric criterion.",
            achievement_type="MicroCredential",
            image=Image(
                "https://pdhub.example/badges/digital-equity.png",
                caption="Digital Equity badge",
            ),
            alignments=(
                Alignment(
                    target_name="ISTE Standards for Educators 2.3.b",
                    target_url="https://iste.org/standards/educators",
                    target_code="2.3.b",
                    target_framework="ISTE Standards for Educators",
                    target_type="CFItem",
                ),
            ),
            credits_available=3,
            result_descriptions=(criterion,),
        ),
        "recipient": Recipient.from_email("Teacher@School.example", salt="s4lt"),
        "valid_from": VALID_FROM,
        "awarded_date": VALID_FROM,
        "id": "urn:uuid:2f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "description": "Awarded for completing the Digital Equity module.",
        "image": Image("https://pdhub.example/badges/digital-equity.png"),
        "results": (Result(criterion.id, demonstrated.id),),
        "credits_earned": 3.0,
        "activity_end_date": VALID_FROM,
        "evidence": (
            Evidence(
                name="Lesson plan",
                id="https://pdhub.example/evidence/123",
                narrative="A unit plan with offline alternatives for every task.",
            ),
        ),
        "status": status,
    }
    values.update(overrides)
    return OpenBadgeCredential(**values)


# The key pair of the Open Badges 3.0 implementation guide's worked example
# (1EdTech openbadges-specification, ob_v3p0/impl/linked-data-proof-ob.html).
SPEC_SEED = bytes.fromhex(
    "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
)
SPEC_PUBLIC_MULTIBASE = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


LIST_URL = "https://pdhub.example/status-lists/1"


def signed_status_list(
    key: Ed25519KeyPair,
    *,
    revoked: tuple[int, ...] = (),
    purpose: str = "revocation",
    list_url: str = LIST_URL,
    issuer_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A signed BitstringStatusListCredential with the given bits set."""
    from badges.proofs import sign_document
    from badges.status import StatusList, build_status_list_credential

    status_list = StatusList()
    for index in revoked:
        status_list.set(index)
    document = build_status_list_credential(
        list_url=list_url,
        issuer_id=issuer_id or key.did_key,
        purpose=purpose,
        status_list=status_list,
        valid_from=VALID_FROM,
        **extra,
    )
    return sign_document(
        document, key, key.did_key_verification_method, created=VALID_FROM
    )


def signed_badge(
    key: Ed25519KeyPair,
    *,
    index: int = 5,
    purpose: str = "revocation",
    method: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A signed PD Hub badge with a status entry at ``index`` of LIST_URL."""
    from badges.proofs import sign_document

    document = make_badge(
        key, status=StatusEntry(LIST_URL, index, purpose), **overrides
    ).to_json()
    return sign_document(
        document, key, method or key.did_key_verification_method, created=VALID_FROM
    )
