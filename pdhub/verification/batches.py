"""Batch verification for districts: start a batch, verify it in chunks on the workers,
finish it once with a CSV and a signed report.

Each chunk task verifies only its items not checked yet, so a redelivered chunk (a
worker died) does no item twice in effect. Every chunk asks for the finish step; the
finish step does nothing until every item is checked, and then exactly one run wins
the conditional update that marks the batch done.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from cachetools import LRUCache
from flask import current_app
from sqlalchemy import func, insert, select, update

from badges.verify import CHECK_NAMES, Check, VerificationReport
from pdhub import jobs, tasks
from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District
from pdhub.errors import Conflict, DomainError, NotFound, PermissionDenied
from pdhub.exports import csv_text
from pdhub.i18n import LANGUAGES
from pdhub.submissions.service import safe_filename
from pdhub.trust import service as trust_service
from pdhub.trust.service import TrustList
from pdhub.verification import policies
from pdhub.verification.fetcher import (
    DocumentFetcher,
    FetchError,
    MemoFetcher,
    credential_document_url,
    resolver_for,
)
from pdhub.verification.messages import _, in_language, language, stored_reasons
from pdhub.verification.models import (
    BatchStatus,
    RecipientMatch,
    Verdict,
    VerificationBatch,
    VerificationItem,
)
from pdhub.verification.report import REPORT_TYPE, report_key, sign_report
from pdhub.verification.service import NOT_SHARED, Outcome, outcome_of, verify_with
from pdhub.verification.uploads import BatchInput

#: The results CSV's columns and their headings (English; see csv_headings).
CSV_COLUMNS = {
    "row": "Row",
    "source": "Source",
    "teacher": "Teacher",
    "achievement": "Achievement",
    "issuer": "Issuer",
    "issuerId": "Issuer identifier",
    "issuerTrusted": "Issuer trusted",
    "issued": "Issued",
    "verdict": "Verdict",
    "recipient_match": "Recipient match",
    "reasons": "Reasons",
}


def csv_headings() -> list[str]:
    """The CSV's headings in the reader's language (English in a worker)."""
    headings = {
        "row": _("Row"),
        "source": _("Source"),
        "teacher": _("Teacher"),
        "achievement": _("Achievement"),
        "issuer": _("Issuer"),
        "issuerId": _("Issuer identifier"),
        "issuerTrusted": _("Issuer trusted"),
        "issued": _("Issued"),
        "verdict": _("Verdict"),
        "recipient_match": _("Recipient match"),
        "reasons": _("Reasons"),
    }
    return [headings[column] for column in CSV_COLUMNS]


#: What a skipped file's row says.
SKIPPED_REASON = "skipped: not a credential"


def start_batch(
    session: DbSession,
    actor: User,
    items: list[BatchInput],
    *,
    source: str,
    filename: str | None = None,
    api_token_id: int | None = None,
) -> VerificationBatch:
    """Record a batch for ``actor``'s district and queue its chunks (after commit).

    Files that are not credentials are recorded at once as skipped. Raises
    PermissionDenied unless ``actor`` is a district administrator, and TooManyBatches
    past the district's or the API token's hourly allowance.
    """
    if not policies.can_verify_in_bulk(actor):
        raise PermissionDenied(_("Only district administrators can verify in bulk."))
    _check_rate(session, actor, api_token_id)
    size = max(1, int(current_app.config["PDHUB_VERIFY_BATCH_CHUNK"]))
    batch = VerificationBatch(
        district_id=actor.district_id,
        requested_by_id=actor.id,
        api_token_id=api_token_id,
        source=source,
        # Shown back on the district's pages: no path, NUL or direction character.
        filename=safe_filename(filename) if filename else None,
        total=len(items),
        chunks=-(-len(items) // size),
    )
    session.add(batch)
    session.flush()
    session.execute(
        insert(VerificationItem),
        [
            {
                "batch_id": batch.id,
                "position": position,
                "source": item.source,
                "payload": item.payload,
                "expected_email": item.email,
                **(_skipped_values() if item.skipped else {}),
            }
            for position, item in enumerate(items)
        ],
    )
    for start in range(0, len(items), size):
        jobs.enqueue(
            tasks.VERIFY_BATCH_CHUNK, batch.id, start, min(start + size, len(items))
        )
    return batch


class TooManyBatches(DomainError):
    status = 429
    title = "Too many verifications started"


def _check_rate(session: DbSession, actor: User, api_token_id: int | None) -> None:
    """Refuse a batch past the hourly allowance of the district and of the token.

    The district's row is locked first (PostgreSQL) so two requests racing past
    the count cannot both start one.
    """
    session.execute(
        select(District.id).where(District.id == actor.district_id).with_for_update()
    )
    since = utcnow() - timedelta(hours=1)
    config = current_app.config
    limits = [
        (
            VerificationBatch.district_id == actor.district_id,
            int(config["PDHUB_VERIFY_BATCHES_PER_HOUR"]),
            "district",
        )
    ]
    if api_token_id is not None:
        limits.append(
            (
                VerificationBatch.api_token_id == api_token_id,
                int(config["PDHUB_VERIFY_BATCHES_PER_HOUR_PER_TOKEN"]),
                "token",
            )
        )
    for condition, allowed, who in limits:
        started = session.scalar(
            select(func.count()).where(condition, VerificationBatch.created_at >= since)
        )
        if (started or 0) >= allowed:
            largest = f"{int(config['PDHUB_VERIFY_BATCH_MAX']):,}"
            raise TooManyBatches(
                _(
                    "Your district has started %(allowed)s verifications in the last "
                    "hour, the most allowed. Please wait a while, or put more "
                    "credentials in one file (up to %(largest)s).",
                    allowed=allowed,
                    largest=largest,
                )
                if who == "district"
                else _(
                    "This API token has started %(allowed)s verifications in the last "
                    "hour, the most allowed. Please wait a while, or put more "
                    "credentials in one file (up to %(largest)s).",
                    allowed=allowed,
                    largest=largest,
                )
            )


def verify_chunk(session: DbSession, batch_id: int, start: int, end: int) -> int:
    """Verify the unchecked items at positions [start, end); return how many."""
    batch = session.get(VerificationBatch, batch_id)
    if batch is None or batch.status is BatchStatus.DONE:
        return 0
    rows = session.execute(
        select(
            VerificationItem.id,
            VerificationItem.source,
            VerificationItem.payload,
            VerificationItem.expected_email,
        )
        .where(
            VerificationItem.batch_id == batch_id,
            VerificationItem.position >= start,
            VerificationItem.position < end,
            VerificationItem.checked_at.is_(None),
        )
        .order_by(VerificationItem.position)
    ).all()
    fetcher, memo, resolver = _batch_tools(batch_id)
    # The district's own list on top of the platform's, read once per chunk.
    trust = trust_service.trust_list(session, batch.district_id)
    changes: list[dict[str, Any]] = []
    for row in rows:
        outcome = _verify_item(
            row.payload, row.source, fetcher, memo, resolver, trust, row.expected_email
        )
        if batch.source == "zip" and row.payload is not None and not outcome.readable:
            # A file that is not a credential (a PDF renamed, an image without a
            # credential in it) is listed as skipped, never as a failed credential.
            changes.append({"id": row.id, **_skipped_values(outcome)})
        else:
            changes.append({"id": row.id, **_item_values(outcome)})
    if changes:
        session.execute(update(VerificationItem), changes)
    jobs.enqueue(tasks.FINISH_VERIFICATION_BATCH, batch_id)
    return len(changes)


# The fetch memo and key resolver of the batches this worker process verified
# lately: the status list is fetched, and its proof checked, once per batch and
# process rather than once per chunk. A batch is judged against one reading of
# each list, taken when this process first needed it (at most a few minutes old).
_BATCH_TOOLS: LRUCache[int, tuple[float, DocumentFetcher, MemoFetcher, Any]] = LRUCache(
    maxsize=4
)
_BATCH_TOOLS_TTL = 120.0


def _batch_tools(batch_id: int) -> tuple[DocumentFetcher, MemoFetcher, Any]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = _BATCH_TOOLS.get(batch_id)
    if (
        found is None
        or found[1].app is not app
        or time.monotonic() - found[0] > _BATCH_TOOLS_TTL
    ):
        fetcher = DocumentFetcher.for_app(app)
        memo = MemoFetcher(fetcher)
        found = (time.monotonic(), fetcher, memo, resolver_for(memo))
        _BATCH_TOOLS[batch_id] = found
    return found[1], found[2], found[3]


def _verify_item(
    payload: bytes | None,
    source: str,
    fetcher: DocumentFetcher,
    memo: MemoFetcher,
    resolver: Any,
    trust: TrustList,
    email: str | None = None,
) -> Outcome:
    data: Any = payload
    if data is None:
        try:
            data = fetcher(credential_document_url(source))
        except FetchError as error:
            if fetcher.is_local(source):
                return _unreadable(f"the credential could not be opened: {NOT_SHARED}")
            return _unreadable(f"the credential could not be fetched: {error}")
        except ValueError:  # urlsplit's "Invalid IPv6 URL" and the like
            return _unreadable("the credential address is not a valid URL")
    return verify_with(data, memo, resolver=resolver, trust=trust, email=email)


def _unreadable(detail: str) -> Outcome:
    checks = [Check("structure", False, detail, "unreadable")] + [
        Check(
            name, False, "not checked: the credential could not be read", "not_checked"
        )
        for name in CHECK_NAMES[1:]
    ]
    return outcome_of(VerificationReport(checks))


def _skipped_values(outcome: Outcome | None = None) -> dict[str, Any]:
    detail = outcome.report.check("structure").detail if outcome else None
    return {
        "checked_at": utcnow(),
        "payload": None,
        "expected_email": None,
        "verdict": Verdict.SKIPPED,
        "reasons": f"{SKIPPED_REASON} ({detail})"[:10_000]
        if detail
        else SKIPPED_REASON,
        "checks": "[]",
    }


def _item_values(outcome: Outcome) -> dict[str, Any]:
    summary = outcome.summary
    return {
        "checked_at": utcnow(),
        "payload": None,
        # The expected email served its one purpose; only the match is kept.
        "expected_email": None,
        "recipient_match": outcome.recipient,
        "verdict": outcome.verdict,
        "teacher": summary.teacher,
        "achievement": _transcript_name(outcome)
        if outcome.is_clr
        else summary.achievement,
        "issuer": (summary.issuer_name or "")[:300] or None,
        "issuer_id": (outcome.issuer.identifier or "")[:500] or None,
        "issuer_trusted_name": outcome.issuer.trusted_name,
        "issued": summary.issued,
        "reasons": "\n".join(outcome.reasons)[:10_000] or None,
        "checks": orjson.dumps([c.to_json() for c in outcome.checks]).decode(),
    }


def _transcript_name(outcome: Outcome) -> str | None:
    name = (outcome.report.credential or {}).get("name")
    count = len(outcome.contents)
    return f"{str(name)[:200]} ({count} credentials inside)" if name else None


def finish_batch(session: DbSession, batch_id: int) -> bool:
    """Mark a fully checked batch done and sign its report; True for the winner."""
    remaining = session.scalar(
        select(func.count()).where(
            VerificationItem.batch_id == batch_id, VerificationItem.checked_at.is_(None)
        )
    )
    if remaining:
        return False
    claimed = session.execute(
        update(VerificationBatch)
        .where(
            VerificationBatch.id == batch_id,
            VerificationBatch.status == BatchStatus.RUNNING,
        )
        .values(status=BatchStatus.DONE, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    batch = session.get(VerificationBatch, batch_id)
    assert batch is not None  # noqa: S101 - just updated
    session.refresh(batch)
    rows = _rows(session, batch_id)
    # English whoever's request ran the job in process (the record's own language).
    with in_language("en"):
        csv_text = results_csv(rows)
    # The CSV a reader downloads is in their language: the report covers each.
    with_checks = _rows(session, batch_id, with_checks=True)
    by_language: dict[str, str] = {}
    trust_texts: dict[str, str] = {}
    for code in LANGUAGES:
        with in_language(code):
            text = results_csv(with_checks)
            trust_texts[code] = issuer_trust_text(batch.district.name)
        by_language[code] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    counts = {verdict.value: 0 for verdict in Verdict}
    for row in rows:
        counts[row["verdict"]] += 1
    key = report_key(session)
    report = {
        "type": REPORT_TYPE,
        "platform": current_app.config["PDHUB_BASE_URL"],
        "batch": batch.id,
        "district": batch.district.name,
        "requestedBy": batch.requested_by.name if batch.requested_by else None,
        "source": batch.source,
        "filename": batch.filename,
        "startedAt": batch.created_at.isoformat(timespec="seconds"),
        "completedAt": batch.finished_at.isoformat(timespec="seconds")
        if batch.finished_at
        else None,
        "total": batch.total,
        "counts": counts,
        "issuerTrust": trust_texts["en"],
        "issuerTrustByLanguage": trust_texts,
        "resultsCsvSha256": hashlib.sha256(csv_text.encode("utf-8")).hexdigest(),
        "resultsCsvSha256ByLanguage": by_language,
        "results": rows,
        "signedBy": key.did_key_verification_method,
    }
    payload = json.dumps(report, ensure_ascii=False, indent=1)
    batch.report = payload
    batch.report_signature = sign_report(key, payload.encode("utf-8"))
    batch.verified_count = counts[Verdict.VERIFIED.value]
    session.flush()
    return True


def issuer_trust_text(district: str) -> str:
    """What "trusted" means in the signed report, in the reader's language."""
    return _(
        "An issuer counts as trusted when it is this platform's own, on the "
        "platform's trust list, or on %(district)s's trust list, as the lists stood "
        "when each credential was checked; any other issuer's credential with a "
        "valid signature is unlisted_issuer, and claimedName is only the "
        "credential's own claim.",
        district=district,
    )


def _rows(
    session: DbSession, batch_id: int, *, with_checks: bool = False
) -> list[dict[str, Any]]:
    """The report's rows; ``with_checks`` adds each item's checks (for the CSV in
    a language other than English, whose reasons are told from the checks)."""
    items = session.execute(
        select(
            VerificationItem.checks,
            VerificationItem.position,
            VerificationItem.source,
            VerificationItem.teacher,
            VerificationItem.recipient_match,
            VerificationItem.achievement,
            VerificationItem.issuer,
            VerificationItem.issuer_id,
            VerificationItem.issuer_trusted_name,
            VerificationItem.issued,
            VerificationItem.verdict,
            VerificationItem.reasons,
        )
        .where(VerificationItem.batch_id == batch_id)
        .order_by(VerificationItem.position)
    ).all()
    return [
        {
            "row": item.position + 1,
            "source": item.source,
            "teacher": item.teacher,
            "recipient_match": (
                item.recipient_match or RecipientMatch.NOT_CHECKED
            ).value,
            "achievement": item.achievement,
            "issuer": _issuer_json(item),
            "issued": item.issued,
            "verdict": (item.verdict or Verdict.NOT_VERIFIED).value,
            "reasons": item.reasons.split("\n") if item.reasons else [],
            **(
                {"checks": orjson.loads(item.checks) if item.checks else []}
                if with_checks
                else {}
            ),
        }
        for item in items
    ]


def row_reasons(row: dict[str, Any]) -> list[str]:
    """A row's reasons in the reader's language: English as stored, any other told
    from the row's checks."""
    if language() == "en" or "checks" not in row:
        return list(row["reasons"])
    if row["verdict"] == Verdict.SKIPPED.value:
        return [_("Skipped: this file is not a credential.")]
    return stored_reasons(row["checks"], row["issuer"])


def _issuer_json(item: Any) -> dict[str, Any]:
    """The issuer as the report states it: its identifier, whether a list the
    district uses trusts it (and by which name), and the name it claims."""
    return {
        "identifier": item.issuer_id,
        "trusted": item.issuer_trusted_name is not None,
        "trustedName": item.issuer_trusted_name,
        "claimedName": item.issuer,
    }


def issuer_cell(issuer: dict[str, Any]) -> str:
    """The Issuer column: the trust list's name, or the claimed name marked as one."""
    if issuer["trusted"]:
        return str(issuer["trustedName"])
    if issuer["claimedName"]:
        return _(
            "Claims to be “%(name)s” (not on your trust list)",
            name=issuer["claimedName"],
        )
    return ""


def _csv_values(row: dict[str, Any]) -> dict[str, Any]:
    issuer = row["issuer"]
    skipped = row["verdict"] == Verdict.SKIPPED.value
    return {
        **row,
        "issuer": issuer_cell(issuer),
        "issuerId": issuer["identifier"],
        "issuerTrusted": "" if skipped else _("yes") if issuer["trusted"] else _("no"),
        "recipient_match": ""
        if skipped
        else RecipientMatch(row["recipient_match"]).label,
        "verdict": Verdict(row["verdict"]).label,
        "reasons": "; ".join(row_reasons(row)),
    }


def results_csv(rows: list[dict[str, Any]]) -> str:
    """One row per credential, written by the one CSV writer (pdhub.exports)."""
    return csv_text(
        csv_headings(),
        (
            [values[column] for column in CSV_COLUMNS]
            for values in map(_csv_values, rows)
        ),
    )


# --- reading batches ----------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    checked: int
    total: int
    done: bool

    @property
    def percent(self) -> int:
        return 100 if self.done or not self.total else self.checked * 100 // self.total

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "total": self.total,
            "done": self.done,
            "percent": self.percent,
        }


def batch_for(session: DbSession, actor: User, batch_id: int) -> VerificationBatch:
    """The batch, if ``actor``'s district ran it; NotFound otherwise."""
    batch = session.get(VerificationBatch, batch_id)
    if batch is None or not policies.can_view_batch(actor, batch):
        raise NotFound(_("There is no verification batch with that number."))
    return batch


def district_batches(
    session: DbSession, actor: User, limit: int = 50
) -> list[VerificationBatch]:
    """The district's most recent batches."""
    if not policies.can_verify_in_bulk(actor):
        return []
    return list(
        session.scalars(
            select(VerificationBatch)
            .where(VerificationBatch.district_id == actor.district_id)
            .order_by(VerificationBatch.id.desc())
            .limit(limit)
        )
    )


def progress(session: DbSession, batch: VerificationBatch) -> Progress:
    """How many items are checked, and whether the report is ready."""
    if batch.status is BatchStatus.DONE:
        return Progress(batch.total, batch.total, True)
    checked = session.scalar(
        select(func.count()).where(
            VerificationItem.batch_id == batch.id,
            VerificationItem.checked_at.is_not(None),
        )
    )
    return Progress(int(checked or 0), batch.total, False)


def batch_csv(session: DbSession, batch: VerificationBatch) -> str:
    """The results CSV in the reader's language (the signed report has the hash of
    each language's)."""
    return results_csv(_rows(session, batch.id, with_checks=language() != "en"))


def csv_file(session: DbSession, batch: VerificationBatch) -> tuple[str, str, str]:
    """The results CSV as a download: (text, media type, file name)."""
    return batch_csv(session, batch), "text/csv", f"verification-{batch.id}.csv"


def report_file(batch: VerificationBatch, kind: str) -> tuple[str, str, str]:
    """The signed report ("json") or its detached signature ("jws") as a download:
    (text, media type, file name); Conflict until every credential is checked."""
    body = batch.report if kind == "json" else batch.report_signature
    if body is None:
        # The request is fine; the batch is not there yet: 409, not 422.
        raise Conflict(_("The report is ready once every credential is checked."))
    if kind == "json":
        return body, "application/json", f"verification-{batch.id}.json"
    return body, "application/jose", f"verification-{batch.id}.json.jws"


def verdict_counts(
    session: DbSession, batch: VerificationBatch
) -> list[tuple[Verdict, int]]:
    """How many items got each verdict (verdicts nobody got left out)."""
    found = dict(
        session.execute(
            select(VerificationItem.verdict, func.count())
            .where(VerificationItem.batch_id == batch.id)
            .group_by(VerificationItem.verdict)
        ).all()
    )
    return [(verdict, found[verdict]) for verdict in Verdict if found.get(verdict)]


def batch_results(
    session: DbSession, batch: VerificationBatch, limit: int | None = None
) -> list[dict[str, Any]]:
    """Every item's verdict, with the individual checks, for the API."""
    items = session.scalars(
        select(VerificationItem)
        .where(VerificationItem.batch_id == batch.id)
        .order_by(VerificationItem.position)
        .limit(limit)
    )
    return [
        {
            "row": item.position + 1,
            "source": item.source,
            "verified": item.verdict is Verdict.VERIFIED,
            "verdict": item.verdict.value if item.verdict else None,
            "teacher": item.teacher,
            "recipient": (item.recipient_match or RecipientMatch.NOT_CHECKED).value,
            "achievement": item.achievement,
            "issuer": _issuer_json(item),
            "issued": item.issued,
            "reasons": item.reasons.split("\n") if item.reasons else [],
            "checks": orjson.loads(item.checks) if item.checks else [],
        }
        for item in items
    ]
