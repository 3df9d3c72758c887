"""Benchmark: signing and verifying Open Badges 3.0 credentials with the badges library.

Measures, on one PD Hub style credential (and on the 1EdTech worked example):
eddsa-rdfc-2022 signing, proof verification (two canonicalizations, two hashes,
one Ed25519 verify), the full verify_credential report (structure, schema,
proof, issuer, validity, status with a cached verified status list) from a
dict and from JSON text, VC-JWT verification, canonicalization, and raw
Ed25519 verify as the machine-speed reference. The machine may be shared and
noisy, so the measured actions run interleaved, round after round, and each
figure is also given as a ratio to raw Ed25519 verify measured in the same
rounds. Then the pyld reference canonicalization (slow, measured apart) and a
bulk issuance: N distinct credentials signed by a pool of worker processes.
Prints what it does as it goes; the last line is one JSON object with the
figures (milliseconds, seconds for the bulk issuance) and the ratios.

Run: python bench/credentials_sign_verify.py [--rounds N] [--bulk N] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
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
VECTOR = ROOT / "tests" / "spec" / "ob3" / "1edtech-vector"


def summarize(label: str, samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    result = {
        "median_ms": round(statistics.median(samples), 4),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 4),
    }
    median, p95 = result["median_ms"], result["p95_ms"]
    print(f"  {label:44s} median {median:8.3f} ms   p95 {p95:8.3f} ms")
    return result


def interleaved(
    actions: dict[str, tuple[str, Callable[[], Any]]], rounds: int
) -> dict[str, dict[str, float]]:
    """Time every action once per round, in turn, so noise hits them alike."""
    for _ in range(max(10, rounds // 20)):
        for _label, action in actions.values():
            action()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, (_label, action) in actions.items():
            started = clock()
            action()
            samples[name].append((clock() - started) * 1000)
    return {
        name: summarize(label, samples[name])
        for name, (label, _action) in actions.items()
    }


def timed(label: str, action: Callable[[], Any], rounds: int) -> dict[str, float]:
    for _ in range(max(3, rounds // 20)):
        action()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return summarize(label, samples)


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


def sign_batch(seeds: range) -> int:
    """Sign one credential per seed (distinct recipients); run in a worker."""
    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    method = key.did_key_verification_method
    template = pd_hub_credential(key)
    for seed in seeds:
        document = {
            **template,
            "id": f"urn:uuid:00000000-0000-4000-8000-{seed:012d}",
            "credentialSubject": {
                **template["credentialSubject"],
                "identifier": [
                    {
                        **template["credentialSubject"]["identifier"][0],
                        "salt": f"salt-{seed}",
                    }
                ],
            },
        }
        sign_document(document, key, method, created=VALID_FROM)
    return len(seeds)


def bulk_issuance(count: int, workers: int) -> float:
    """Seconds to sign ``count`` distinct credentials over ``workers`` processes."""
    chunk = max(1, count // (workers * 8))
    batches = [
        range(start, min(count, start + chunk)) for start in range(0, count, chunk)
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        pool.map(sign_batch, [range(0, 1)] * workers)  # start-up, imports, memos
        started = time.perf_counter()
        signed = sum(pool.map(sign_batch, batches))
        elapsed = time.perf_counter() - started
    assert signed == count
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    rounds = arguments.rounds
    print(
        f"badges sign/verify benchmark: {rounds} interleaved rounds, Python "
        f"{platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )

    key = Ed25519KeyPair.from_seed(bytes(range(32)))
    method = key.did_key_verification_method
    document = pd_hub_credential(key)
    signed = sign_document(document, key, method, created=VALID_FROM)
    signed_text = json.dumps(signed)
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

    def full_report(data: Any) -> None:
        report = verify_credential(
            data, resolver=resolver, status_fetcher=lambda url: status_list, now=now
        )
        assert report.verified, report.to_json()

    full_report(signed)
    print("PD Hub credential:", len(signed_text), "bytes of JSON")
    figures = interleaved(
        {
            "raw_ed25519_verify": (
                "raw Ed25519 verify (reference)",
                lambda: verify_ed25519(key.public_key_bytes, signature, message),
            ),
            "sign": (
                "sign (eddsa-rdfc-2022)",
                lambda: sign_document(document, key, method, created=VALID_FROM),
            ),
            "verify": (
                "verify proof (eddsa-rdfc-2022)",
                lambda: verify_proofs(signed, resolver),
            ),
            "verify_credential": (
                "verify_credential (all six checks)",
                lambda: full_report(signed),
            ),
            "verify_credential_text": (
                "verify_credential from JSON text",
                lambda: full_report(signed_text),
            ),
            "verify_jwt": (
                "verify VC-JWT signature and claims",
                lambda: verify_jwt(token, resolver),
            ),
            "canonicalize": (
                "canonicalize credential (fast path)",
                lambda: canonicalize(unsigned),
            ),
            "verify_1edtech_vector": (
                "verify proof of the 1EdTech vector",
                lambda: verify_proofs(vector, vector_resolver),
            ),
        },
        rounds,
    )
    figures["canonicalize_pyld"] = timed(
        "canonicalize credential (pyld reference)",
        lambda: canonicalize(unsigned, fast=False),
        max(50, rounds // 20),
    )
    reference = figures["raw_ed25519_verify"]["median_ms"]
    ratios = {
        f"{name}_over_raw_ed25519": round(value["median_ms"] / reference, 2)
        for name, value in figures.items()
        if name != "raw_ed25519_verify"
    }
    summary: dict[str, Any] = {
        "benchmark": "credentials_sign_verify",
        "rounds": rounds,
        **{
            f"{name}_{stat}_ms": value[f"{stat}_ms"]
            for name, value in figures.items()
            if name != "raw_ed25519_verify"
            for stat in ("median", "p95")
        },
        "raw_ed25519_verify_ms": reference,
        "raw_ed25519_verify_p95_ms": figures["raw_ed25519_verify"]["p95_ms"],
        **ratios,
    }
    if arguments.bulk:
        elapsed = bulk_issuance(arguments.bulk, arguments.workers)
        print(
            f"bulk issuance: {arguments.bulk} distinct credentials signed in "
            f"{elapsed:.2f} s over {arguments.workers} worker processes"
        )
        summary["bulk_issuance_count"] = arguments.bulk
        summary["bulk_issuance_workers"] = arguments.workers
        summary["bulk_issuance_s"] = round(elapsed, 3)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
