"""Benchmark: signing and verifying Open Badges 3.0 credentials with the badges library.

Measures, on one PD Hub style credential (and on the 1EdTech worked example):
eddsa-rdfc-2022 signing, proof verification (two canonicalizations, two hashes,
one Ed25519 verify), the full verify_credential report (structure, schema,
proof, issuer, validity, status with a cached status list), VC-JWT
verification, the pyld reference canonicalization, and raw Ed25519 verify as
the machine-speed reference. Prints what it does as it goes; the last line is
one JSON object with the figures (milliseconds) and ratios to raw Ed25519.

Run: python bench/credentials_sign_verify.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from badges.canonical import canonicalize  # noqa: E402
from badges.credential import (  # noqa: E402
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
from badges.dids import Resolver  # noqa: E402
from badges.jwt import encode_jwt, verify_jwt  # noqa: E402
from badges.keys import Ed25519KeyPair, verify_ed25519  # noqa: E402
from badges.proofs import sign_document, verify_proofs  # noqa: E402
from badges.status import StatusList, build_status_list_credential  # noqa: E402
from badges.verify import verify_credential  # noqa: E402

VALID_FROM = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LIST_URL = "https://pdhub.example/status-lists/1"
VECTOR = ROOT / ".." / "shared" / "spec" / "ob3" / "1edtech-vector"


def timed(label: str, action: Callable[[], Any], rounds: int) -> dict[str, float]:
    for _ in range(max(10, rounds // 20)):
        action()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    result = {
        "median_ms": round(statistics.median(samples), 4),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 4),
    }
    median, p95 = result["median_ms"], result["p95_ms"]
    print(f"  {label:44s} median {median:8.3f} ms   p95 {p95:8.3f} ms")
    return result


def pd_hub_credential(key: Ed25519KeyPair) -> dict[str, Any]:
    level = RubricLevel(
        id="https://pdhub.example/rubrics/equity/levels/demonstrated",
        name="Demonstrated",
        level="2",
    )
    criterion = ResultDescription(
        id="https://pdhub.example/rubrics/equity/criteria/access",
        name="Plans for device and connectivity access",
        levels=(level,),
    )
    return OpenBadgeCredential(
        issuer=IssuerProfile(key.did_key, "PD Hub", "https://pdhub.example"),
        achievement=Achievement(
            id="https://pdhub.example/achievements/digital-equity/v1",
            name="Digital Equity in the Classroom",
            description="Plans lessons that close the access, use and design divides.",
            criteria_narrative="A coach scores the lesson plan Demonstrated.",
            image=Image("https://pdhub.example/badges/equity.png", "Digital Equity"),
            alignments=(
                Alignment("ISTE Educators 2.3.b", "https://iste.org/standards"),
            ),
            credits_available=3,
            result_descriptions=(criterion,),
        ),
        recipient=Recipient.from_email("teacher@school.example", salt="s4lt"),
        valid_from=VALID_FROM,
        awarded_date=VALID_FROM,
        results=(Result(criterion.id, level.id),),
        credits_earned=3,
        evidence=(Evidence("Lesson plan", id="https://pdhub.example/evidence/1"),),
        status=StatusEntry(LIST_URL, 1234),
    ).to_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    rounds = parser.parse_args().rounds
    print(
        f"badges sign/verify benchmark: {rounds} rounds each, Python "
        f"{platform.python_version()} on {platform.machine()}"
    )

    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    method = key.did_key_verification_method
    document = pd_hub_credential(key)
    signed = sign_document(document, key, method, created=VALID_FROM)
    status_list = sign_document(
        build_status_list_credential(
            list_url=LIST_URL,
            issuer_id=key.did_key,
            purpose="revocation",
            status_list=StatusList(),
            valid_from=VALID_FROM,
        ),
        key,
        method,
    )
    token = encode_jwt(document, key, method)
    resolver = Resolver()
    now = VALID_FROM + timedelta(days=1)
    unsigned = {k: v for k, v in signed.items() if k != "proof"}

    vector = json.loads((VECTOR / "credential.json").read_text())
    controller = json.loads((VECTOR / "controller.json").read_text())
    vector_resolver = Resolver(lambda url: controller)

    message = b"x" * 64
    signature = key.sign(message)

    print("PD Hub credential:", len(json.dumps(signed)), "bytes of JSON")
    figures: dict[str, Any] = {}
    figures["raw_ed25519_verify"] = timed(
        "raw Ed25519 verify (reference)",
        lambda: verify_ed25519(key.public_key_bytes, signature, message),
        rounds,
    )
    figures["sign"] = timed(
        "sign (eddsa-rdfc-2022)",
        lambda: sign_document(document, key, method, created=VALID_FROM),
        rounds,
    )
    figures["verify"] = timed(
        "verify proof (eddsa-rdfc-2022)",
        lambda: verify_proofs(signed, resolver),
        rounds,
    )
    figures["verify_credential"] = timed(
        "verify_credential (all six checks)",
        lambda: verify_credential(
            signed, resolver=resolver, status_fetcher=lambda url: status_list, now=now
        ),
        rounds,
    )
    figures["verify_jwt"] = timed(
        "verify VC-JWT signature and claims",
        lambda: verify_jwt(token, resolver),
        rounds,
    )
    figures["canonicalize"] = timed(
        "canonicalize credential (fast path)",
        lambda: canonicalize(unsigned),
        rounds,
    )
    figures["canonicalize_pyld"] = timed(
        "canonicalize credential (pyld reference)",
        lambda: canonicalize(unsigned, fast=False),
        max(50, rounds // 10),
    )
    print("1EdTech worked example (eddsa-rdfc-2022, https controller):")
    figures["verify_1edtech_vector"] = timed(
        "verify proof of the 1EdTech vector",
        lambda: verify_proofs(vector, vector_resolver),
        rounds,
    )
    reference = figures["raw_ed25519_verify"]["median_ms"]
    ratios = {
        f"{name}_over_raw_ed25519": round(value["median_ms"] / reference, 1)
        for name, value in figures.items()
        if name != "raw_ed25519_verify"
    }
    summary = {
        "benchmark": "credentials_sign_verify",
        "rounds": rounds,
        "sign_median_ms": figures["sign"]["median_ms"],
        "sign_p95_ms": figures["sign"]["p95_ms"],
        "verify_median_ms": figures["verify"]["median_ms"],
        "verify_p95_ms": figures["verify"]["p95_ms"],
        "verify_credential_median_ms": figures["verify_credential"]["median_ms"],
        "verify_credential_p95_ms": figures["verify_credential"]["p95_ms"],
        "verify_jwt_median_ms": figures["verify_jwt"]["median_ms"],
        "verify_1edtech_vector_median_ms": figures["verify_1edtech_vector"][
            "median_ms"
        ],
        "canonicalize_median_ms": figures["canonicalize"]["median_ms"],
        "canonicalize_pyld_median_ms": figures["canonicalize_pyld"]["median_ms"],
        "raw_ed25519_verify_ms": reference,
        **ratios,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
