"""A plain ``pip install .`` is a complete install: the wheel carries the migrations,
the module catalog, templates and static files, and the installed ``pdhub`` command
upgrades a database, imports the catalog and serves pages from outside the checkout."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> bytes:
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
        assert response.status == 200
        return bytes(response.read())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        out,
        ROOT,
        cwd=out,
        env=env,
    )
    (built,) = out.glob("pdhub-*.whl")
    return built


def test_the_wheel_carries_migrations_catalog_templates_and_static_files(
    wheel: Path,
) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        "pdhub/_migrations/env.py",
        "pdhub/_migrations/alembic.ini",
        "pdhub/_catalog/README.md",
        "pdhub/templates/base.html",
        "pdhub/static/site.css",
        "badges/schemas/ob_v3p0_achievementcredential_schema.json",
    }
    assert shipped <= names
    migrations = [name for name in names if name.startswith("pdhub/_migrations/vers")]
    assert len(migrations) == len(list((ROOT / "migrations" / "versions").glob("*.py")))
    modules = {p.parent.name for p in (ROOT / "modules").glob("*/module.yaml")}
    assert {f"pdhub/_catalog/{slug}/module.yaml" for slug in modules} <= names


def test_an_installed_wheel_upgrades_imports_the_catalog_and_serves(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run(
        sys.executable,
        "-m",
        "venv",
        "--without-pip",
        venv,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    python = venv / "bin" / "python"
    # The dependencies come from the test environment (no download); pdhub itself
    # only from the wheel: the checkout is neither the working folder nor on the path.
    purelib = Path(sysconfig.get_paths()["purelib"])
    new_site = Path(
        _run(
            python,
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin"},
        ).strip()
    )
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        wheel,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    (new_site / "test-dependencies.pth").write_text(f"{purelib}\n")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "PDHUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "HOME": str(tmp_path),
    }
    where = _run(
        python, "-c", "import pdhub; print(pdhub.__file__)", cwd=tmp_path, env=env
    )
    assert where.strip().startswith(str(new_site))

    _run(venv / "bin" / "pdhub", "db", "upgrade", cwd=tmp_path, env=env)
    imported = _run(venv / "bin" / "pdhub", "modules", "import", cwd=tmp_path, env=env)
    assert imported.count(": created (version 1)") == len(
        list((ROOT / "modules").glob("*/module.yaml"))
    )

    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "pdhub"), "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = _get(f"{base}/signin").decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "Sign in" in page, "the installed demo never served the sign-in page"
        assert b"{" in _get(f"{base}/static/site.css")
    finally:
        server.terminate()
        server.wait(timeout=30)
