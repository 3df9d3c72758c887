"""Building, signing, sharing and reading the teacher's CLR 2.0 transcript."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from badges.clr import Association, ClrCredential
from badges.credential import Recipient
from badges.proofs import sign_document
from pdhub.accounts.languages import language_for
from pdhub.accounts.models import User
from pdhub.clr.models import ClrTranscript
from pdhub.credentials import keys
from pdhub.credentials import service as credentials
from pdhub.credentials.models import IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.errors import NotFound, PermissionDenied


def current_credentials(session: DbSession, user: User) -> list[IssuedCredential]:
    """The teacher's credentials a transcript carries: neither replaced, revoked nor
    suspended, oldest first."""
    return sorted(
        (
            c
            for c in credentials.credentials_of(session, user)
            if c.revoked_at is None and c.suspended_at is None
        ),
        key=lambda c: (c.issued_at, c.id),
    )


def other_documents(session: DbSession, user: User) -> list[tuple[str, dict[str, Any]]]:
    """(id, signed document) of the teacher's other current credentials a transcript
    carries beside their module badges: workshop badges and pathway milestones, not
    revoked, oldest first."""
    from pdhub.pathways.models import PathwayCompletion
    from pdhub.workshops.models import WorkshopAward

    found: list[tuple[Any, str, str]] = []
    for award in session.scalars(
        select(WorkshopAward).where(
            WorkshopAward.user_id == user.id, WorkshopAward.revoked_at.is_(None)
        )
    ):
        found.append((award.issued_at, award.credential_id, award.credential_json))
    for completion in session.scalars(
        select(PathwayCompletion).where(
            PathwayCompletion.user_id == user.id,
            PathwayCompletion.credential_json.is_not(None),
            PathwayCompletion.revoked_at.is_(None),
        )
    ):
        assert completion.credential_id is not None
        assert completion.credential_json is not None
        found.append(
            (completion.issued_at, completion.credential_id, completion.credential_json)
        )
    found.sort(key=lambda item: (item[0] is None, item[0], item[1]))
    return [(identifier, json.loads(text)) for _at, identifier, text in found]


def _alignment_targets(document: Mapping[str, Any]) -> set[str]:
    achievement = document.get("credentialSubject", {}).get("achievement", {})
    return {
        str(a["targetUrl"])
        for a in achievement.get("alignment", [])
        if isinstance(a, Mapping) and a.get("targetUrl")
    }


def associations(documents: Sequence[Mapping[str, Any]]) -> list[Association]:
    """How the achievements relate: two badges aligned to the same standard are
    ``isRelatedTo`` each other (CLR 2.0 AssociationType)."""
    found: list[Association] = []
    for first, second in combinations(documents, 2):
        if _alignment_targets(first) & _alignment_targets(second):
            found.append(
                Association(
                    "isRelatedTo",
                    first["credentialSubject"]["achievement"]["id"],
                    second["credentialSubject"]["achievement"]["id"],
                )
            )
    return found


def _hours(documents: Sequence[Mapping[str, Any]]) -> float:
    total = 0.0
    for document in documents:
        credits = document.get("credentialSubject", {}).get("creditsEarned")
        if isinstance(credits, int | float):
            total += float(credits)
    return total


def transcript_for(session: DbSession, user: User) -> ClrTranscript:
    """The teacher's signed transcript of every current credential: the newest one
    when its credentials are still exactly the current ones, else a new one signed
    now with the current issuer key. Raises NotFound when they have no badge yet."""
    found = current_credentials(session, user)
    others = other_documents(session, user)
    if not found and not others:
        raise NotFound(
            _("You have no badges yet: your transcript starts with your first one.")
        )
    ids = ",".join(sorted([c.id for c in found] + [i for i, _d in others]))
    newest = session.scalars(
        select(ClrTranscript)
        .where(ClrTranscript.user_id == user.id)
        .order_by(ClrTranscript.issued_at.desc(), ClrTranscript.id.desc())
        .limit(1)
    ).first()
    if newest is not None and newest.credential_ids == ids:
        return newest
    documents = [c.document for c in found] + [d for _i, d in others]
    signer = keys.signer_for(keys.current_key(session))
    now = utcnow().replace(microsecond=0)
    transcript_id = str(uuid.uuid4())
    hours = _hours(documents)
    # The credential is data for anyone who reads it: written in the teacher's
    # language, like their badges.
    with force_locale(language_for(user)):
        name = _("Professional learning transcript of %(name)s", name=user.name)
        description = ngettext(
            "%(num)d badge earned on PD Hub, %(hours)s hours of professional "
            "learning in all.",
            "%(num)d badges earned on PD Hub, %(hours)s hours of professional "
            "learning in all.",
            len(documents),
            hours=format(hours, "g"),
        )
    unsigned = ClrCredential(
        issuer=keys.issuer_profile(signer.issuer_id),
        recipient=Recipient.from_email(user.email),
        credentials=documents,
        valid_from=now,
        name=name,
        description=description,
        associations=associations(documents),
        id=f"urn:uuid:{transcript_id}",
    ).to_json()
    signed = sign_document(
        unsigned, signer.pair, signer.verification_method, created=now
    )
    transcript = ClrTranscript(
        id=transcript_id,
        user_id=user.id,
        issuer_key_id=signer.key.id,
        credential_ids=ids,
        credential_json=json.dumps(signed, ensure_ascii=False, separators=(",", ":")),
        issued_at=now,
        # A new transcript of a record that was shared stays shared: the teacher
        # shared "my transcript", not one version of it.
        shared=bool(newest is not None and newest.shared),
        shared_at=now if newest is not None and newest.shared else None,
    )
    session.add(transcript)
    session.flush()
    return transcript


def latest(session: DbSession, user: User) -> ClrTranscript | None:
    """The teacher's newest transcript, if they ever downloaded or shared one."""
    return session.scalars(
        select(ClrTranscript)
        .where(ClrTranscript.user_id == user.id)
        .order_by(ClrTranscript.issued_at.desc(), ClrTranscript.id.desc())
        .limit(1)
    ).first()


def set_shared(
    session: DbSession, actor: User, transcript: ClrTranscript, shared: bool
) -> ClrTranscript:
    """Turn the transcript's link on or off (its teacher only)."""
    if transcript.user_id != actor.id:
        raise PermissionDenied(
            _("Only the teacher a transcript belongs to can share it.")
        )
    transcript.shared = shared
    transcript.shared_at = utcnow() if shared else None
    session.flush()
    return transcript


def get_transcript(session: DbSession, transcript_id: str) -> ClrTranscript:
    """The transcript with this UUID; raises NotFound."""
    try:
        uuid.UUID(transcript_id)
    except ValueError:
        raise NotFound(_("No transcript has that address.")) from None
    found = session.get(ClrTranscript, transcript_id.lower())
    if found is None:
        raise NotFound(_("No transcript has that address."))
    return found


def can_view(user: Any, transcript: ClrTranscript) -> bool:
    """Anyone once shared; before that only its teacher (like credential pages)."""
    if transcript.shared:
        return True
    return bool(getattr(user, "is_authenticated", False)) and (
        user.id == transcript.user_id
    )


def public_url(transcript: ClrTranscript) -> str:
    return f"{keys.base_url()}/transcripts/{transcript.id}.json"


def filename(transcript: ClrTranscript) -> str:
    return f"pd-transcript-{transcript.issued_at:%Y-%m-%d}.clr.json"
