"""Trust lists: whose issuer identifiers a verdict may call trusted, and under which
name. This deployment's own identifiers (every key it ever signed with, and its
did:web) are always trusted; a platform administrator keeps a platform-wide list and
each district administrator the district's own. Entries are DIDs matched exactly or
https hosts matching every did:web DID and https issuer on that host.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, or_, select

from badges.errors import BadgeError
from badges.keys import public_key_from_did_key
from pdhub.accounts.models import Role, User
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.credentials import keys as issuer_keys
from pdhub.credentials.models import IssuerKey
from pdhub.db import DbSession
from pdhub.errors import InvalidInput, NotFound, PermissionDenied
from pdhub.trust import policies
from pdhub.trust.models import TrustedIssuer
from pdhub.verification.messages import _

OWN = "own"
PLATFORM = "platform"
DISTRICT = "district"
COMMAND_LINE = "command_line"

#: Where a trusted name comes from, in words a verifier reads.
LIST_LABELS = {
    OWN: "this deployment's own issuer keys",
    PLATFORM: "PD Hub's trust list",
    DISTRICT: "your district's trust list",
    COMMAND_LINE: "the issuers you gave on the command line",
}

MAX_NAME = 200
#: A registry file may be this large and hold this many issuers.
MAX_REGISTRY_BYTES = 2 * 1024 * 1024
MAX_REGISTRY_ENTRIES = 5_000

_HOST = re.compile(
    r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}"
    r"(?::[0-9]{1,5})?"
)
_DID_WEB = re.compile(r"did:web:([^:]+)((?::[A-Za-z0-9._~%-]+)*)")

IDENTIFIER_HELP = _l(
    "A did:key DID (did:key:z6Mk…), a did:web DID (did:web:pd.example.org), or the "
    "https address of an issuer's site (https://pd.example.org), which trusts every "
    "did:web identifier on that host."
)


# --- identifiers --------------------------------------------------------------------


def normalize_identifier(text: str, *, field_name: str = "identifier") -> str:
    """The stored form of a trust-list identifier; InvalidInput when it is none.

    did:key DIDs must decode to an Ed25519 key; did:web DIDs need a domain name; an
    https address (or a bare domain name) becomes ``https://host``.
    """
    value = (text or "").strip()
    if not value:
        raise InvalidInput(_("Enter the issuer's identifier."), field=field_name)
    if len(value) > 500:
        raise InvalidInput(_("That identifier is too long."), field=field_name)
    if value.startswith("did:key:"):
        try:
            public_key_from_did_key(value)
        except (BadgeError, ValueError):
            raise InvalidInput(
                _(
                    "That did:key DID is not a valid Ed25519 key (check it was "
                    "copied whole)."
                ),
                field=field_name,
            ) from None
        if "#" in value:
            raise InvalidInput(
                _("Enter the DID without a #fragment."), field=field_name
            )
        return value
    if value.startswith("did:web:"):
        match = _DID_WEB.fullmatch(value)
        host = match.group(1).lower().replace("%3a", ":") if match else ""
        if not match or not _HOST.fullmatch(host):
            raise InvalidInput(
                _(
                    "That did:web DID does not name a domain (for example "
                    "did:web:pd.example.org)."
                ),
                field=field_name,
            )
        authority = match.group(1).lower()
        return f"did:web:{authority}{match.group(2)}"
    if value.startswith("did:"):
        raise InvalidInput(
            _("Only did:key and did:web DIDs can be listed."), field=field_name
        )
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    host = (parts.netloc or "").lower()
    if (
        parts.scheme != "https"
        or not _HOST.fullmatch(host)
        or parts.path.strip("/")
        or parts.query
        or parts.fragment
    ):
        raise InvalidInput(
            _(
                "Enter a DID, or an https address with only a host name (for "
                "example https://pd.example.org)."
            ),
            field=field_name,
        )
    return f"https://{host}"


def issuer_host(issuer_id: str) -> str | None:
    """The host a did:web DID or https issuer id lives on (with its port), if any."""
    match = _DID_WEB.fullmatch(issuer_id)
    if match:
        return match.group(1).lower().replace("%3a", ":")
    if issuer_id.startswith("https://"):
        return urlsplit(issuer_id).netloc.lower() or None
    return None


# --- the lists a verdict uses ---------------------------------------------------------


@dataclass(frozen=True)
class TrustMatch:
    """A trusted issuer: the identifier that matched, its name, and which list."""

    identifier: str
    name: str
    source: str

    @property
    def label(self) -> str:
        return LIST_LABELS[self.source]


@dataclass
class TrustList:
    """The identifiers a verifier trusts; later additions override earlier names."""

    exact: dict[str, TrustMatch] = field(default_factory=dict)
    hosts: dict[str, TrustMatch] = field(default_factory=dict)
    district_id: int | None = None

    def add(self, identifier: str, name: str, source: str) -> None:
        match = TrustMatch(identifier, name, source)
        if identifier.startswith("https://"):
            self.hosts[identifier.removeprefix("https://")] = match
        else:
            self.exact[identifier] = match

    def lookup(self, issuer_id: str | None) -> TrustMatch | None:
        """The trusted entry for ``issuer_id``: an exact DID, else its host."""
        if not issuer_id:
            return None
        found = self.exact.get(issuer_id)
        if found is not None:
            return found
        host = issuer_host(issuer_id)
        return self.hosts.get(host) if host else None


def own_identifiers(session: DbSession) -> list[str]:
    """Every identifier this deployment has issued under: each key's did:key, and
    the did:web DID when one is configured."""
    found = list(session.scalars(select(IssuerKey.did_key).order_by(IssuerKey.id)))
    did_web = issuer_keys.did_web_issuer()
    if did_web:
        found.append(did_web)
    return found


def trust_list(session: DbSession, district_id: int | None = None) -> TrustList:
    """Own identifiers, the platform list, then ``district_id``'s list (its names
    win: the district chose them)."""
    trust = TrustList(district_id=district_id)
    for identifier in own_identifiers(session):
        trust.add(identifier, issuer_keys.ISSUER_NAME, OWN)
    condition: ColumnElement[bool] = TrustedIssuer.district_id.is_(None)
    if district_id is not None:
        condition = or_(condition, TrustedIssuer.district_id == district_id)
    rows = session.execute(
        select(TrustedIssuer.identifier, TrustedIssuer.name, TrustedIssuer.district_id)
        .where(condition)
        .order_by(TrustedIssuer.district_id.is_not(None), TrustedIssuer.id)
    ).all()
    for row in rows:
        source = PLATFORM if row.district_id is None else DISTRICT
        trust.add(row.identifier, row.name, source)
    return trust


def trust_list_for(session: DbSession, actor: User | None) -> TrustList:
    """The lists that apply to ``actor``'s verification: a district administrator's
    district list on top of the platform's; anyone else, the platform's."""
    if (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.role is Role.DISTRICT_ADMIN
        and actor.district_id is not None
    ):
        return trust_list(session, actor.district_id)
    return trust_list(session, None)


def extra_trust(
    trust: TrustList, identifiers: Iterable[tuple[str, str]], source: str
) -> TrustList:
    """``trust`` with more (identifier, name) pairs, validated (for the CLI)."""
    for identifier, name in identifiers:
        trust.add(normalize_identifier(identifier), name, source)
    return trust


# --- keeping a list -------------------------------------------------------------------


def _check_keeper(actor: User, district_id: int | None) -> None:
    if district_id is None:
        allowed = policies.can_manage_platform_list(actor)
    else:
        allowed = (
            policies.can_manage_district_list(actor)
            and actor.district_id == district_id
        )
    if not allowed:
        raise PermissionDenied(_("You can't change this trust list."))


def entries(
    session: DbSession, actor: User, district_id: int | None
) -> list[TrustedIssuer]:
    """The list's entries, by name; PermissionDenied unless ``actor`` keeps it."""
    _check_keeper(actor, district_id)
    condition = (
        TrustedIssuer.district_id.is_(None)
        if district_id is None
        else TrustedIssuer.district_id == district_id
    )
    return list(
        session.scalars(
            select(TrustedIssuer)
            .where(condition)
            .order_by(TrustedIssuer.name, TrustedIssuer.id)
        )
    )


def entries_of_platform(session: DbSession) -> list[TrustedIssuer]:
    """The platform list, which every district's verification also uses (read-only
    for district administrators)."""
    return list(
        session.scalars(
            select(TrustedIssuer)
            .where(TrustedIssuer.district_id.is_(None))
            .order_by(TrustedIssuer.name, TrustedIssuer.id)
        )
    )


def _clean_name(name: str, field_name: str = "name") -> str:
    value = " ".join((name or "").split())
    if not value:
        raise InvalidInput(
            _("Enter the name your verifiers should see."), field=field_name
        )
    if len(value) > MAX_NAME:
        raise InvalidInput(
            _("Keep the name to %(max)s characters or fewer.", max=MAX_NAME),
            field=field_name,
        )
    return value


def _clean_url(url: str | None, field_name: str = "url") -> str | None:
    value = (url or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or len(value) > 2048:
        raise InvalidInput(
            _("The web site must be an address starting with https://."),
            field=field_name,
        )
    return value


def _existing(
    session: DbSession, district_id: int | None, identifier: str
) -> TrustedIssuer | None:
    condition = (
        TrustedIssuer.district_id.is_(None)
        if district_id is None
        else TrustedIssuer.district_id == district_id
    )
    return session.scalar(
        select(TrustedIssuer).where(condition, TrustedIssuer.identifier == identifier)
    )


def add_entry(
    session: DbSession,
    actor: User,
    district_id: int | None,
    *,
    identifier: str,
    name: str,
    url: str | None = None,
) -> TrustedIssuer:
    """Add an issuer to the platform list (``district_id`` None) or a district's.

    Raises PermissionDenied unless ``actor`` keeps that list, InvalidInput for a bad
    identifier, name or site, or one already listed.
    """
    _check_keeper(actor, district_id)
    normalized = normalize_identifier(identifier)
    cleaned = _clean_name(name)
    site = _clean_url(url)
    if _existing(session, district_id, normalized) is not None:
        raise InvalidInput(
            _("That issuer is already on this list."), field="identifier"
        )
    entry = TrustedIssuer(
        district_id=district_id,
        identifier=normalized,
        name=cleaned,
        url=site,
        added_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    _record_trust(session, AuditAction.TRUST_ADD, actor, district_id, entry)
    return entry


def _record_trust(
    session: DbSession,
    action: AuditAction,
    actor: User,
    district_id: int | None,
    entry: TrustedIssuer | None,
    detail: dict[str, object] | None = None,
) -> None:
    audit.record(
        session,
        action,
        actor=actor,
        district_id=district_id,
        object_type="trusted_issuer",
        object_id=entry.id if entry is not None else None,
        detail={
            "list": "district" if district_id is not None else "platform",
            **({"identifier": entry.identifier} if entry is not None else {}),
            **(detail or {}),
        },
    )


def entry_for(
    session: DbSession, actor: User, district_id: int | None, entry_id: int
) -> TrustedIssuer:
    """The entry ``entry_id`` of the list ``actor`` keeps; NotFound for any other."""
    _check_keeper(actor, district_id)
    entry = session.get(TrustedIssuer, entry_id)
    if (
        entry is None
        or entry.district_id != district_id
        or not policies.can_manage_entry(actor, entry)
    ):
        raise NotFound(_("There is no such issuer on your trust list."))
    return entry


def update_entry(
    session: DbSession,
    actor: User,
    district_id: int | None,
    entry_id: int,
    *,
    name: str,
    url: str | None = None,
) -> TrustedIssuer:
    """Change an entry's display name and site (NotFound for another list's)."""
    entry = entry_for(session, actor, district_id, entry_id)
    entry.name = _clean_name(name)
    entry.url = _clean_url(url)
    session.flush()
    _record_trust(session, AuditAction.TRUST_CHANGE, actor, district_id, entry)
    return entry


def remove_entry(
    session: DbSession, actor: User, district_id: int | None, entry_id: int
) -> TrustedIssuer:
    """Remove an entry of ``actor``'s list (NotFound for another list's)."""
    entry = entry_for(session, actor, district_id, entry_id)
    _record_trust(session, AuditAction.TRUST_REMOVE, actor, district_id, entry)
    session.delete(entry)
    session.flush()
    return entry


# --- importing a DCC issuer registry ------------------------------------------------

REGISTRY_HELP = _l(
    "A JSON file in the Digital Credentials Consortium issuer-registry format: "
    '{"meta": {...}, "registry": {"did:key:…": {"name": "…", "url": "https://…", '
    '"location": "…"}}}. Each key is a did:key or did:web DID (or an https host); '
    '"name" is required and becomes the display name; "url" and "location" are '
    "optional. Issuers already on your list keep the name you gave them."
)


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_listed: int


def _line_of(text: str, needle: str) -> int:
    position = text.find(json.dumps(needle))
    return text.count("\n", 0, position) + 1 if position >= 0 else 1


def parse_registry(raw: bytes) -> list[tuple[str, str, str | None]]:
    """(identifier, name, url) for each issuer of a DCC registry file.

    Raises InvalidInput (field ``file``) naming each problem's line and field.
    """
    if len(raw) > MAX_REGISTRY_BYTES:
        raise InvalidInput(_("The registry file is larger than 2 MB."), field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The registry file must be UTF-8 JSON text."), field="file"
        ) from None
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            _(
                "Line %(line)s, column %(column)s: the file is not valid JSON "
                "(%(error)s).",
                line=error.lineno,
                column=error.colno,
                error=error.msg,
            ),
            field="file",
        ) from None
    except (RecursionError, ValueError):
        raise InvalidInput(_("The file is not valid JSON."), field="file") from None
    registry = document.get("registry") if isinstance(document, dict) else None
    if not isinstance(registry, dict):
        raise InvalidInput(
            _(
                'Line 1: the file needs a "registry" object mapping each DID to '
                '{"name": …, "url": …}.'
            ),
            field="file",
        )
    if len(registry) > MAX_REGISTRY_ENTRIES:
        raise InvalidInput(
            _(
                "The registry lists more than %(max)s issuers.",
                max=format(MAX_REGISTRY_ENTRIES, ","),
            ),
            field="file",
        )
    problems: list[str] = []
    found: list[tuple[str, str, str | None]] = []
    for key, value in registry.items():
        where = _(
            'Line %(line)s, registry["%(key)s"]', line=_line_of(text, key), key=key[:80]
        )
        try:
            identifier = normalize_identifier(key)
        except InvalidInput as error:
            problems.append(f"{where}: {error.message}")
            continue
        if not isinstance(value, dict):
            problems.append(_("%(where)s: must be an object with a name.", where=where))
            continue
        name = value.get("name")
        if not isinstance(name, str):
            problems.append(_("%(where)s.name: is missing or not text.", where=where))
            continue
        url = value.get("url")
        if not isinstance(url, str | None):
            problems.append(_("%(where)s.url: must be text.", where=where))
            continue
        if not isinstance(value.get("location"), str | None):
            problems.append(_("%(where)s.location: must be text.", where=where))
            continue
        try:
            cleaned = _clean_name(name)
        except InvalidInput as error:
            problems.append(f"{where}.name: {error.message}")
            continue
        try:
            site = _clean_url(url)
        except InvalidInput as error:
            problems.append(f"{where}.url: {error.message}")
            continue
        found.append((identifier, cleaned, site))
    if problems:
        shown = problems[:20]
        more = len(problems) - len(shown)
        raise InvalidInput(
            _(
                "Nothing was imported. Fix these and upload the file again: "
                "%(problems)s",
                problems=" ".join(shown),
            )
            + (" " + _("(and %(more)s more)", more=more) if more else ""),
            field="file",
        )
    if not found:
        raise InvalidInput(_("The registry lists no issuers."), field="file")
    return found


def import_registry(
    session: DbSession, actor: User, district_id: int | None, raw: bytes
) -> ImportResult:
    """Add every issuer of a DCC registry file to the list; all or nothing."""
    _check_keeper(actor, district_id)
    parsed = parse_registry(raw)
    added = already = 0
    seen: set[str] = set()
    for identifier, name, site in parsed:
        if identifier in seen or _existing(session, district_id, identifier):
            already += 1
            continue
        seen.add(identifier)
        session.add(
            TrustedIssuer(
                district_id=district_id,
                identifier=identifier,
                name=name,
                url=site,
                added_by_id=actor.id,
            )
        )
        added += 1
    session.flush()
    _record_trust(
        session,
        AuditAction.TRUST_IMPORT,
        actor,
        district_id,
        None,
        {"added": added, "already": already},
    )
    return ImportResult(added, already)
