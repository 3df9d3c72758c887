"""`pdhub credentials verify FILE`: offline, each check printed, exit 0 if verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from badges.keys import Ed25519KeyPair
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


def test_without_the_status_list_it_is_not_called_verified(
    app: Flask, files: dict[str, Path]
) -> None:
    result = _run(app, files["good.json"])
    assert result.exit_code == 1
    assert "NOT VERIFIED" in result.output
    assert "could not be checked offline" in result.output


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
