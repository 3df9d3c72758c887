"""The ``pdhub credentials`` and ``pdhub keys`` commands, on the data of a demo instance
(a real SQLite instance folder, as ``pdhub demo`` leaves it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from badges.baking import extract_png, extract_svg
from badges.jwt import looks_like_jwt
from tests.conftest import ROOT


def pdhub(
    instance: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
    env.update(PDHUB_INSTANCE_PATH=str(instance), PYTHONPATH=str(ROOT))
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
    assert len(listed) == 1
    item = listed[0]
    assert item["email"] == "teacher@riverside.example.org"
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
    assert len(json.loads(pdhub(instance, "credentials", "list", "--json").stdout)) == 1


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
