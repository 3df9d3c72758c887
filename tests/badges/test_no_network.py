"""Canonicalizing, signing and verifying never touch the network."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from badge_samples import VALID_FROM, make_badge, signed_badge, signed_status_list

from badges.canonical import canonicalize
from badges.dids import Resolver
from badges.jwt import encode_jwt
from badges.keys import Ed25519KeyPair
from badges.proofs import sign_document
from badges.verify import verify_credential


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkUsed(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.usefixtures("no_network")
def test_sign_and_verify_work_with_the_network_cut(issuer_key: Ed25519KeyPair) -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 443))
    document = make_badge(issuer_key).to_json()
    canonicalize(document)
    signed = sign_document(document, issuer_key, issuer_key.did_key_verification_method)
    status_list = signed_status_list(issuer_key)
    credential = signed_badge(issuer_key)
    for data in (
        signed,
        credential,
        encode_jwt(document, issuer_key, issuer_key.did_key_verification_method),
    ):
        report = verify_credential(
            data,
            resolver=Resolver(),
            status_fetcher=lambda url: status_list,
            now=VALID_FROM,
        )
        assert report.verified, report.to_json()


@pytest.mark.usefixtures("no_network")
def test_unknown_contexts_are_refused_without_a_fetch(
    issuer_key: Ed25519KeyPair,
) -> None:
    document = make_badge(issuer_key).to_json()
    document["@context"].append("https://example.org/my-context.jsonld")
    signed = {**document, "proof": [{"type": "DataIntegrityProof"}]}
    report = verify_credential(
        signed, resolver=Resolver(), status_fetcher=None, now=VALID_FROM
    )
    assert not report.verified


@pytest.mark.usefixtures("no_network")
def test_the_1edtech_vector_verifies_offline(
    vector_credential: dict[str, Any], vector_controller: dict[str, Any]
) -> None:
    report = verify_credential(
        vector_credential,
        resolver=Resolver(lambda url: vector_controller),
        status_fetcher=None,
    )
    assert report.verified
