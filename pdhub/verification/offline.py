"""Offline verification for the command line: no network, did:key only, status lists
from files the user hands over (or the status is reported as not checked)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from badges.dids import Resolver
from badges.errors import BadgeError
from badges.limits import parse_json_text
from pdhub.trust.service import TrustList
from pdhub.verification.service import Outcome, verify_with


class OfflineStatusLists:
    """A status fetcher over the given list credentials, keyed by their ids."""

    def __init__(self, documents: Iterable[bytes]) -> None:
        self._lists: dict[str, Any] = {}
        for raw in documents:
            try:
                document = parse_json_text(raw)
            except (BadgeError, ValueError) as error:
                raise ValueError(f"a --status-list file is not JSON: {error}") from None
            if not isinstance(document, dict) or not isinstance(
                document.get("id"), str
            ):
                raise ValueError("a --status-list file is not a status list credential")
            self._lists[document["id"]] = document

    def __call__(self, url: str) -> Any:
        if url not in self._lists:
            raise LookupError(
                "the status could not be checked offline; pass the status list "
                f"{url} with --status-list FILE"
            )
        return self._lists[url]


def verify_offline(
    data: bytes, status_lists: Iterable[bytes] = (), trust: TrustList | None = None
) -> Outcome:
    """Verify offline: did:key issuers, status lists from ``status_lists``; the
    issuer is trusted only when ``trust`` lists it."""
    return verify_with(
        data, OfflineStatusLists(status_lists), resolver=Resolver(), trust=trust
    )
