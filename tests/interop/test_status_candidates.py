"""The candidate ways to publish a suspension, each checked against the official
strict OB 3.0 schema and Digital Bazaar's verifier (docs/status-lists.md records the
findings and the choice):

- two entries (revocation and suspension) in a ``credentialStatus`` array: Digital
  Bazaar reads both, the strict schema refuses the array;
- one ``message`` entry of two bits with ``statusMessage``: the schema accepts it,
  Digital Bazaar (2.0.1) ignores ``statusSize`` and reads the wrong bit;
- one ``suspension`` entry (the choice): the schema accepts it and Digital Bazaar
  reads it, suspended and lifted.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from badges.schema import schema_errors
from badges.status import StatusList, build_status_list_credential
from tests.interop.test_platform_credentials import HERE, node  # noqa: F401
from tests.verification import samples

BASE = "http://127.0.0.1:9/lists"


def _list(
    key: Ed25519KeyPair, url: str, purpose: str, set_bits: tuple[int, ...]
) -> dict[str, Any]:
    bits = StatusList()
    for index in set_bits:
        bits.set(index)
    document = build_status_list_credential(
        list_url=url,
        issuer_id=key.did_key,
        purpose="revocation",
        status_list=bits,
        valid_from=samples.VALID_FROM,
    )
    document["credentialSubject"]["statusPurpose"] = purpose
    return sign_document(document, key, key.did_key_verification_method)


def _credential(key: Ed25519KeyPair, status: Any) -> dict[str, Any]:
    document = samples.credential(key, list_url=f"{BASE}/s", index=5)
    document = {k: v for k, v in document.items() if k != "proof"}
    document["credentialStatus"] = status
    return sign_document(
        document, key, key.did_key_verification_method, created=samples.VALID_FROM
    )


def _entry(url: str, purpose: str, index: int, **more: Any) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
        **more,
    }


def _digitalbazaar(
    node: str,  # noqa: F811
    tmp_path: Path,
    credential: dict[str, Any],
    lists: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    args = []
    for number, (url, document) in enumerate(lists.items()):
        path = tmp_path / f"list-{number}.json"
        path.write_text(json.dumps(document))
        args += ["--document", f"{url}={path}"]
    completed = subprocess.run(
        [node, str(HERE / "verify.mjs"), "-", *args],
        input=json.dumps(credential),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _schema_problems(credential: dict[str, Any]) -> list[str]:
    return schema_errors({k: v for k, v in credential.items() if k != "proof"})


def test_two_entries_are_read_by_digitalbazaar_but_refused_by_the_strict_schema(
    node: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    key = Ed25519KeyPair.generate()
    revocation, suspension = f"{BASE}/r", f"{BASE}/s"
    credential = _credential(
        key,
        [_entry(revocation, "revocation", 5), _entry(suspension, "suspension", 5)],
    )
    assert any(
        "credentialStatus" in problem for problem in _schema_problems(credential)
    )
    result = _digitalbazaar(
        node,
        tmp_path,
        credential,
        {
            revocation: _list(key, revocation, "revocation", ()),
            suspension: _list(key, suspension, "suspension", (5,)),
        },
    )
    assert result["suspended"] and not result["revoked"], result


def test_a_two_bit_message_entry_passes_the_schema_but_digitalbazaar_misreads_it(
    node: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    key = Ed25519KeyPair.generate()
    url = f"{BASE}/m"
    messages = [
        {"status": "0x0", "message": "valid"},
        {"status": "0x1", "message": "suspended"},
        {"status": "0x2", "message": "revoked"},
        {"status": "0x3", "message": "revoked"},
    ]
    credential = _credential(
        key, _entry(url, "message", 5, statusSize=2, statusMessage=messages)
    )
    assert _schema_problems(credential) == []
    # Index 5 of two-bit entries is bits 10 and 11; "suspended" (0x1) sets bit 11.
    result = _digitalbazaar(
        node, tmp_path, credential, {url: _list(key, url, "message", (11,))}
    )
    assert result["verified"], result  # it read bit 5: the suspension is missed
    assert result["statuses"] == [{"statusPurpose": "message", "set": False}]


def test_one_suspension_entry_passes_the_schema_and_digitalbazaar_reads_it(
    node: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    key = Ed25519KeyPair.generate()
    url = f"{BASE}/s"
    credential = _credential(key, _entry(url, "suspension", 5))
    assert _schema_problems(credential) == []
    suspended = _digitalbazaar(
        node, tmp_path, credential, {url: _list(key, url, "suspension", (5,))}
    )
    assert suspended["suspended"] and not suspended["verified"], suspended
    lifted = _digitalbazaar(
        node, tmp_path, credential, {url: _list(key, url, "suspension", ())}
    )
    assert lifted["verified"], lifted
