"""`pdhub credentials verify FILE`: offline, each check printed, exit 0 if verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
from pdhub.credentials import service
from pdhub.credentials.models import IssuedCredential
from tests.conftest import ROOT
from tests.factories import AwardFactory
from tests.verification import samples

LIST_URL = "https://pd.example/status-lists/1"


@pytest.fixture
def key() -> Ed25519KeyPair:
    return Ed25519KeyPair.generate()


@pytest.fixture
def files(tmp_path: Path, key: Ed25519KeyPair, session: Session) -> dict[str, Path]:
    good = samples.credential(key, list_url=LIST_URL)
    revoked = samples.credential(key, list_url=LIST_URL, index=samples.REVOKED_INDEX)
    tampered = dict(good, name="Something else")
    made = {
        "good.json": json.dumps(good).encode(),
        "good.jwt": samples.as_jwt(key, good).encode(),
        "good.png": samples.as_png(good),
        "good.svg": samples.as_svg(good),
        "revoked.json": json.dumps(revoked).encode(),
        "tampered.json": json.dumps(tampered).encode(),
        "no-status.json": json.dumps(samples.credential(key)).encode(),
        "list.json": json.dumps(
            samples.status_list(key, LIST_URL, "revocation", (samples.REVOKED_INDEX,))
        ).encode(),
        "garbage.bin": b"\x00\x01 nothing",
    }
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    return {name: tmp_path / name for name in made}


def _run(app: Flask, *args: object):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["credentials", "verify", *map(str, args)])


@pytest.mark.parametrize("name", ["good.json", "good.jwt", "good.png", "good.svg"])
def test_a_valid_file_with_its_status_list_exits_0(
    app: Flask, files: dict[str, Path], key: Ed25519KeyPair, name: str
) -> None:
    result = _run(
        app,
        files[name],
        "--status-list",
        files["list.json"],
        "--trust-issuer",
        key.did_key,
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VERIFIED")
    assert "[PASS] status" in result.output


def test_without_another_sites_status_list_the_status_is_not_checked(
    app: Flask, files: dict[str, Path]
) -> None:
    result = _run(app, files["good.json"])
    assert result.exit_code == 2
    assert result.output.startswith("STATUS NOT CHECKED")
    assert "NOT VERIFIED" not in result.output
    assert "--status-list" in result.output


@pytest.fixture
def badge(session: Session) -> IssuedCredential:
    issued = service.issue_credential(session, AwardFactory().id)
    assert issued is not None
    session.commit()
    return issued


@pytest.mark.parametrize("kind", ["png", "svg", "json", "jwt"])
def test_a_badge_of_this_deployment_is_verified_without_extra_flags(
    app: Flask, session: Session, badge: IssuedCredential, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"badge.{kind}"
    path.write_bytes(service.download(session, badge, kind))
    session.commit()
    result = _run(app, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VERIFIED")
    assert "[PASS] status" in result.output


def test_a_revoked_badge_of_this_deployment_says_revoked(
    app: Flask, session: Session, badge: IssuedCredential, tmp_path: Path
) -> None:
    path = tmp_path / "badge.png"
    path.write_bytes(service.download(session, badge, "png"))
    service.revoke_credential(session, None, badge, "Issued in error")
    session.commit()
    result = _run(app, path)
    assert (result.exit_code, result.output.split(":")[0]) == (1, "REVOKED")


def test_the_real_command_line_without_a_database_says_status_not_checked(
    app: Flask, session: Session, badge: IssuedCredential, tmp_path: Path
) -> None:
    """`pdhub credentials verify badge.png` run as the README shows it, in a process
    of its own whose database cannot be reached: authentic, status not checked."""
    path = tmp_path / "badge.png"
    path.write_bytes(service.download(session, badge, "png"))
    session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDHUB_")}
    env.update(
        PDHUB_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
        PDHUB_INSTANCE_PATH=str(tmp_path / "instance"),
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pdhub"),
            "credentials",
            "verify",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.startswith("STATUS NOT CHECKED")
    assert "[PASS] proof" in result.stdout


def test_revoked_tampered_and_garbage_files_exit_non_zero(
    app: Flask, files: dict[str, Path]
) -> None:
    revoked = _run(app, files["revoked.json"], "--status-list", files["list.json"])
    assert (revoked.exit_code, revoked.output.split(":")[0]) == (1, "REVOKED")
    tampered = _run(app, files["tampered.json"], "--status-list", files["list.json"])
    assert tampered.exit_code == 1
    assert "[FAIL] proof" in tampered.output
    assert _run(app, files["garbage.bin"]).exit_code == 1


def test_a_credential_without_status_needs_no_list_and_json_output_works(
    app: Flask, files: dict[str, Path], key: Ed25519KeyPair
) -> None:
    result = _run(app, files["no-status.json"], "--json", "--trust-issuer", key.did_key)
    assert result.exit_code == 0
    assert json.loads(result.output)["verified"] is True


def test_a_bad_status_list_file_is_a_clear_error(
    app: Flask, files: dict[str, Path]
) -> None:
    result = _run(app, files["good.json"], "--status-list", files["garbage.bin"])
    assert result.exit_code == 1
    assert "--status-list file is not JSON" in result.output
