"""Verification for the command line: no network. did:key issuers resolve offline;
this deployment's own status lists and DID document are read from its database when
it can be reached; other status lists come from files the user hands over. A status
that could not be read this way is reported as not checked (its own verdict)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from badges.dids import Resolver, did_web_document_url
from badges.errors import BadgeError
from badges.limits import parse_json_text
from pdhub.db import DbSession
from pdhub.trust.service import TrustList
from pdhub.verification.service import Outcome, verify_with

_STATUS_LIST_PATH = re.compile(r"/status-lists/(\d{1,18})")


class OfflineStatusLists:
    """A status fetcher over the given list credentials, keyed by their ids, and
    then (when given) this deployment's own documents."""

    def __init__(
        self, documents: Iterable[bytes], deployment: DeploymentDocuments | None = None
    ) -> None:
        self._lists: dict[str, Any] = {}
        self._deployment = deployment
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
        if url in self._lists:
            return self._lists[url]
        if self._deployment is not None:
            found = self._deployment(url)
            if found is not None:
                return found
        raise LookupError(
            "it is not one of this deployment's status lists, so it could not be "
            f"read offline; pass the status list {url} with --status-list FILE"
        )


class DeploymentDocuments:
    """This deployment's signed status lists and did:web document, read from its
    database (None for a URL that is not one of them, or when it cannot be read).

    A list is answered only when the signed list's own id is the URL asked for, so
    another deployment's list of the same number is never mistaken for ours; its
    proof is then checked like any fetched list's.
    """

    def __init__(self, session: DbSession) -> None:
        self._session = session

    def __call__(self, url: str) -> Any:
        try:
            return self._find(url)
        except SQLAlchemyError:
            self._session.rollback()
            return None

    def _find(self, url: str) -> Any:
        from pdhub.credentials import keys, status
        from pdhub.credentials.models import StatusList

        did = keys.did_web_issuer()
        if did is not None and url == did_web_document_url(did):
            return keys.did_document(self._session)
        match = _STATUS_LIST_PATH.fullmatch(urlsplit(url).path)
        if match is None:
            return None
        found = self._session.get(StatusList, int(match.group(1)))
        if found is None:
            return None
        document = parse_json_text(status.served_document(self._session, found))
        if not isinstance(document, dict) or document.get("id") != url:
            return None
        return document


def verify_offline(
    data: bytes,
    status_lists: Iterable[bytes] = (),
    session: DbSession | None = None,
    trust: TrustList | None = None,
) -> Outcome:
    """Verify without the network: did:key issuers (and this deployment's did:web
    from ``session``), status lists from ``status_lists`` and then ``session``; the
    issuer is trusted only when ``trust`` lists it."""
    deployment = DeploymentDocuments(session) if session is not None else None
    fetch = OfflineStatusLists(status_lists, deployment)
    resolver = Resolver(deployment) if deployment is not None else Resolver()
    return verify_with(data, fetch, resolver=resolver, trust=trust)
