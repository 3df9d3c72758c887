"""The ``pdhub credentials`` and ``pdhub keys`` commands, on the data of a demo instance
(a real SQLite instance folder, as ``pdhub demo`` leaves it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from badges.baking import extract_png, extract_svg
from badges.jwt import looks_like_jwt
from tests.conftest import ROOT


def pdhub(
    instance: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
    env.update(PDHUB_INSTANCE_PATH=str(instance), PYTHONPATH=str(ROOT), **extra)
    completed = subprocess.run(
        [sys.executable, "-m", "pdhub.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    if check:
        assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    return completed


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-instance")
    pdhub(folder, "demo", "--no-serve", "--port", "5999")
    return folder


def test_the_demo_teacher_has_an_issued_credential_listed_as_json(
    instance: Path,
) -> None:
    listed = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)
    # Maya's badge (the demo's other one is Leo's, which expires soon).
    [item] = [i for i in listed if i["email"] == "teacher@riverside.example.org"]
    assert item["achievement"] == "Digital Citizenship Educator"
    assert item["issued"] and item["id"]
    mine = pdhub(
        instance, "credentials", "list", "--email", "TEACHER@riverside.example.org"
    )
    assert item["id"] in mine.stdout.decode()
    nobody = json.loads(
        pdhub(instance, "credentials", "list", "--json", "--email", "x@y.org").stdout
    )
    assert nobody == []


def test_a_second_demo_run_keeps_one_credential(instance: Path) -> None:
    pdhub(instance, "demo", "--no-serve", "--port", "5999")
    listed = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)
    assert len(listed) == 2  # Maya's and Leo's, each once


def test_export_writes_each_form_to_standard_output(instance: Path) -> None:
    credential_id = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)[
        0
    ]["id"]
    document = json.loads(
        pdhub(
            instance, "credentials", "export", credential_id, "--format", "json"
        ).stdout
    )
    assert document["id"] == f"urn:uuid:{credential_id}"
    assert document["credentialStatus"]["statusListCredential"].startswith(
        "http://127.0.0.1:5999/status-lists/"
    )
    jwt = pdhub(instance, "credentials", "export", credential_id, "--format", "jwt")
    assert looks_like_jwt(jwt.stdout.decode().strip())
    png = pdhub(instance, "credentials", "export", credential_id, "--format", "png")
    assert json.loads(extract_png(png.stdout)) == document
    svg = pdhub(instance, "credentials", "export", credential_id, "--format", "svg")
    assert json.loads(extract_svg(svg.stdout)) == document
    unknown = pdhub(instance, "credentials", "export", "nope", check=False)
    assert unknown.returncode != 0 and b"No credential has that id" in unknown.stderr


def test_revoke_and_rotate_act_on_the_instance(instance: Path) -> None:
    credential_id = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)[
        0
    ]["id"]
    missing = pdhub(
        instance, "credentials", "revoke", credential_id, "--reason", " ", check=False
    )
    assert missing.returncode != 0 and b"Give a public reason" in missing.stderr
    done = pdhub(instance, "credentials", "revoke", credential_id, "--reason", "Test.")
    assert b"Revoked" in done.stdout
    listed = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)
    assert listed[0]["status"] == "revoked"
    assert listed[0]["revocation_reason"] == "Test."
    rotated = pdhub(instance, "keys", "rotate")
    assert b"New issuer key z6Mk" in rotated.stdout


#: Run inside the demo instance as the site served on port 5999 sees it: post the
#: credential to the public verify page and the API, print both verdicts.
_VERIFY_AS_SERVED = """
import json, re, sys
from pdhub import create_app
app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
with app.app_context():
    credential = sys.stdin.read()
    client = app.test_client()
    page = client.post("/verify", data={"credential": credential}).get_data(True)
    api = client.post("/api/v1/verify", data=credential,
                      content_type="application/json").get_json()
    print(json.dumps({"page": re.findall(r"<h2[^>]*>([^<]+)</h2>", page),
                      "api": api["verdict"], "reasons": api.get("checks")}))
"""


def _verdicts(instance: Path, credential: bytes) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
    env.update(
        PDHUB_INSTANCE_PATH=str(instance),
        PDHUB_BASE_URL="http://127.0.0.1:5999",
        PYTHONPATH=str(ROOT),
    )
    completed = subprocess.run(
        [sys.executable, "-c", _VERIFY_AS_SERVED],
        input=credential,
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout.decode().splitlines()[-1])
    return result


def test_status_changes_from_any_environment_keep_the_list_address_and_verify(
    tmp_path: Path,
) -> None:
    """The README's commands, run without PDHUB_BASE_URL (or with another one)
    against a demo served on port 5999: the list keeps its address, so the served
    site reports suspended, then verified, then revoked, never "not verified"."""
    instance = tmp_path / "instance"
    pdhub(instance, "demo", "--no-serve", "--port", "5999")
    credential_id = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)[
        0
    ]["id"]
    document = pdhub(instance, "credentials", "export", credential_id).stdout
    assert _verdicts(instance, document)["api"] == "verified"

    done = pdhub(
        instance, "credentials", "suspend", credential_id, "--reason", "Checking."
    )
    assert b"Suspended" in done.stdout
    seen = _verdicts(instance, document)
    assert seen["api"] == "suspended", seen
    assert "Suspended" in seen["page"]  # type: ignore[operator]

    elsewhere = pdhub(
        instance,
        "credentials",
        "reinstate",
        credential_id,
        env={"PDHUB_BASE_URL": "https://somewhere-else.example"},
    )
    assert b"Reinstated" in elsewhere.stdout
    assert _verdicts(instance, document)["api"] == "verified"

    pdhub(instance, "credentials", "revoke", credential_id, "--reason", "Copied.")
    seen = _verdicts(instance, document)
    assert seen["api"] == "revoked", seen
    assert "Revoked" in seen["page"]  # type: ignore[operator]


def test_a_leaked_key_is_withdrawn_and_what_it_signed_reissued_in_bulk(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    pdhub(instance, "demo", "--no-serve", "--port", "5999")
    listed = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)
    old_id = listed[0]["id"]
    old = pdhub(instance, "credentials", "export", old_id).stdout
    key_line = pdhub(instance, "keys", "list").stdout.decode().splitlines()[0]
    key_id = key_line.split()[0]
    assert key_line.endswith("current")

    bad_time = pdhub(
        instance, "keys", "revoke", key_id, "--compromised-at", "yesterday", check=False
    )
    assert bad_time.returncode != 0 and b"ISO 8601" in bad_time.stderr
    unknown = pdhub(
        instance,
        "keys",
        "revoke",
        "z6MkNoSuchKey",
        "--compromised-at",
        "2026-01-01T00:00:00Z",
        check=False,
    )
    assert unknown.returncode != 0 and b"No issuer key matches" in unknown.stderr

    withdrawn = pdhub(
        instance,
        "keys",
        "revoke",
        key_id,
        "--compromised-at",
        "2099-01-01T00:00:00Z",
        check=False,
    )
    assert withdrawn.returncode != 0 and b"in the future" in withdrawn.stderr
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    withdrawn = pdhub(instance, "keys", "revoke", key_id, "--compromised-at", now)
    assert b"no longer listed for assertionMethod" in withdrawn.stdout
    assert "withdrawn" in pdhub(instance, "keys", "list").stdout.decode()
    # Issued before the leak and stored as issued: still verifies until reissued.
    assert _verdicts(instance, old)["api"] == "verified"

    reissued = pdhub(instance, "credentials", "reissue", "--key", key_id)
    assert b"Reissued 2 credential" in reissued.stdout  # Maya's and Leo's
    listed = json.loads(pdhub(instance, "credentials", "list", "--json").stdout)
    by_id = {item["id"]: item for item in listed}
    assert by_id[old_id]["status"] == "revoked"
    new_id = by_id[old_id]["replaced_by"]
    new = pdhub(instance, "credentials", "export", new_id).stdout
    assert json.loads(new)["issuer"]["id"] != json.loads(old)["issuer"]["id"]
    assert _verdicts(instance, new)["api"] == "verified"
    assert _verdicts(instance, old)["api"] == "revoked"
