"""The OpenAPI document and the API agree: Schemathesis, with every check, against a
running server, on every endpoint, with a district administrator's token.

The server runs in a thread on a free loopback port with its own database (the
rolled-back test transaction cannot be shared with another thread), seeded with a
district administrator, an API token and one finished batch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from pdhub.accounts.service import create_api_token
from pdhub.extensions import db
from tests.conftest import RUN_ID, _postgres_database, make_app
from tests.factories import UserFactory

#: Test cases per operation and phase: enough to find the classic mistakes (large
#: ids, bodies the schema allows but the code refuses, undocumented statuses) in
#: well under a minute on a small CI machine.
MAX_EXAMPLES = 20


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (Schemathesis makes hundreds)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LiveApi:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token


@pytest.fixture(scope="module")
def live_api(
    settings: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApi]:
    from flask_migrate import upgrade

    holder: dict[str, Flask] = {}

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        return holder["app"](environ, start_response)

    server = make_server(
        "127.0.0.1", 0, dispatch, threaded=True, request_handler=QuietHandler
    )
    base = f"http://127.0.0.1:{server.server_port}"
    for database_url in _postgres_database(f"pdhub_test_{RUN_ID}_schemathesis"):
        app = make_app(
            {
                **settings,
                "PDHUB_DATABASE_URL": database_url,
                "PDHUB_BASE_URL": base,
                "PDHUB_INSTANCE_PATH": str(tmp_path_factory.mktemp("live")),
                # Batches run in the request here (no workers): a small limit,
                # which the document publishes as maxItems, keeps each one quick.
                "PDHUB_VERIFY_BATCH_MAX": 5,
                # Like the other rate limits in tests, the hourly batch allowance
                # is off here (tests/verification/test_zip_limits.py tests it).
                "PDHUB_VERIFY_BATCHES_PER_HOUR": 1_000_000,
                "PDHUB_VERIFY_BATCHES_PER_HOUR_PER_TOKEN": 1_000_000,
            },
            SERVER_NAME=None,
        )
        holder["app"] = app
        with app.app_context():
            upgrade()
            admin = UserFactory(district_admin=True)
            token = create_api_token(db.session, admin, "Schemathesis")
            db.session.commit()
            # One finished batch, so the downloads have something to answer with.
            started = app.test_client().post(
                "/api/v1/verify/batch",
                json={"credentials": [{}]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert started.status_code == 202, started.get_data(as_text=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LiveApi(base, token)
        finally:
            server.shutdown()
            thread.join()
            with app.app_context():
                db.engine.dispose()


def test_schemathesis_finds_no_failure_on_any_endpoint(
    live_api: LiveApi, tmp_path: Path
) -> None:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        f"{live_api.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {live_api.token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20261207",
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--no-color",
        "--output-sanitize",
        "false",
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Exit status 0 means no check failed (warnings, such as POST /verify refusing
    # most generated files as unreadable, do not count).
    assert "Failures:" not in result.stdout, result.stdout[-6000:]
    assert " passed" in result.stdout
