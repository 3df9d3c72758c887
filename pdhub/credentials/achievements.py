"""The Open Badges Achievement of a module version: criteria, alignment, rubric; and
the evidence links a teacher chose to share in their credential."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from badges.credential import (
    Achievement,
    Alignment,
    Evidence,
    Image,
    Related,
    Result,
    ResultDescription,
    RubricLevel,
)
from pdhub.credentials.keys import base_url
from pdhub.credentials.models import Award
from pdhub.db import DbSession
from pdhub.i18n import DEFAULT_LANGUAGE
from pdhub.learning.localized import LocalizedModule, language_for
from pdhub.learning.models import Module


def achievement_key(module: Module, language: str = DEFAULT_LANGUAGE) -> str:
    """The path segment naming a module version's Achievement: ``<slug>-v<version>``,
    and ``<slug>-v<version>-<language>`` for its edition in another language."""
    key = f"{module.slug}-v{module.version}"
    return key if language == DEFAULT_LANGUAGE else f"{key}-{language}"


def parse_achievement_key(key: str) -> tuple[str, int, str] | None:
    """(slug, version, language) of an ``achievement_key``; None if it is not one."""
    match = _KEY.match(key)
    if match is None:
        return None
    language = match["language"] or DEFAULT_LANGUAGE
    return match["slug"], int(match["version"]), language


_KEY = re.compile(
    r"^(?P<slug>[a-z0-9-]+?)-v(?P<version>[0-9]{1,9})(?:-(?P<language>[a-z]{2,3}))?$"
)


def achievement_url(module: Module, language: str = DEFAULT_LANGUAGE) -> str:
    return f"{base_url()}/achievements/{achievement_key(module, language)}"


def badge_image_data_url(module: Module) -> str:
    """The module's badge image as a data: URL, so the credential shows it offline."""
    encoded = base64.b64encode(bytes(module.badge_image)).decode("ascii")
    return f"data:{module.badge_media_type};base64,{encoded}"


def _criteria_narrative(module: LocalizedModule) -> str:
    """What it took, in the module's language (the words around the module's own
    texts come from the message catalog of that language)."""
    with force_locale(module.language):
        lines = [_("Competency: %(text)s", text=module.competency.strip())]
        overview = (module.evidence or {}).get("overview")
        if overview:
            lines.append(_("Evidence: %(text)s", text=str(overview).strip()))
        lines.append(
            _(
                "The educator passed the module's knowledge check and submitted "
                "evidence that a coach scored against the public rubric below."
            )
        )
        rubric = module.rubric or {}
        passing = rubric.get("passing", {}).get("min_criteria_demonstrated")
        criteria = rubric.get("criteria", [])
        if passing:
            lines.append(
                _(
                    "At least %(passing)d of the %(total)d rubric criteria must be "
                    "demonstrated.",
                    passing=passing,
                    total=len(criteria),
                )
            )
        for criterion in criteria:
            lines.append(
                f"- {criterion.get('name')}: {criterion.get('description', '')}"
            )
        lines.append(
            _(
                "Credit: %(hours)s of professional development.",
                hours=_pd_hours(module.hours),
            )
        )
    return "\n".join(str(line) for line in lines)


def _pd_hours(hours: float) -> str:
    number = f"{hours:g}"
    return str(
        ngettext(
            "%(hours)s PD hour",
            "%(hours)s PD hours",
            1 if number == "1" else 2,
            hours=number,
        )
    )


def pd_hours_text(hours: float) -> str:
    """PD hours with their unit, as people read them: "4 PD hours", "4.5 PD hours"."""
    number = f"{hours:g}"
    return f"{number} PD hour" if number == "1" else f"{number} PD hours"


def criterion_id(
    module: Module, criterion: str, language: str = DEFAULT_LANGUAGE
) -> str:
    return f"{achievement_url(module, language)}#criterion-{criterion}"


def level_id(
    module: Module, criterion: str, level: str, language: str = DEFAULT_LANGUAGE
) -> str:
    return f"{achievement_url(module, language)}#criterion-{criterion}-level-{level}"


def _result_descriptions(module: LocalizedModule) -> list[ResultDescription]:
    rubric: dict[str, Any] = module.rubric or {}
    levels = rubric.get("levels", [])
    language = module.language
    descriptions = []
    for criterion in rubric.get("criteria", []):
        texts = criterion.get("levels", {})
        descriptions.append(
            ResultDescription(
                id=criterion_id(module.module, criterion["id"], language),
                name=criterion["name"],
                levels=tuple(
                    RubricLevel(
                        id=level_id(
                            module.module, criterion["id"], level["id"], language
                        ),
                        name=level["name"],
                        description=texts.get(level["id"]),
                    )
                    for level in levels
                ),
            )
        )
    return descriptions


def _alignments(module: Module) -> list[Alignment]:
    alignments = []
    for standard in module.standards or []:
        if not standard.get("url"):
            continue  # OB 3.0 requires targetUrl
        alignments.append(
            Alignment(
                target_name=standard.get("name") or standard.get("code") or "Standard",
                target_url=standard["url"],
                target_code=standard.get("code"),
                target_framework=standard.get("framework"),
            )
        )
    return alignments


def editions(module: Module) -> list[str]:
    """The languages a module version's Achievement exists in, English first."""
    return [DEFAULT_LANGUAGE, *sorted(module.translations or {})]


def achievement_for(module: Module, language: str = DEFAULT_LANGUAGE) -> Achievement:
    """The Achievement of one module version in ``language`` (English when the
    module does not have it): one per version and language, ids never change. Its
    texts are in that language (``inLanguage``) and ``related`` names the editions
    in the module's other languages, as OB 3.0 intends for language editions."""
    texts = LocalizedModule(module, language, language)
    language = texts.language
    return Achievement(
        id=achievement_url(module, language),
        name=texts.badge_name,
        description=texts.badge_description,
        criteria_narrative=_criteria_narrative(texts),
        image=Image(badge_image_data_url(module), caption=texts.badge_alt),
        alignments=tuple(_alignments(module)),
        credits_available=module.hours,
        result_descriptions=tuple(_result_descriptions(texts)),
        in_language=language,
        related=tuple(
            Related(achievement_url(module, other), other, str(module.version))
            for other in editions(module)
            if other != language
        ),
    )


def rubric_results(session: DbSession, award: Award) -> list[tuple[str, str]]:
    """The rubric level the coach gave on each criterion in the passing review, as
    (criterion id, level id) from the module's rubric; [] when there is no review."""
    return rubric_results_many(session, [award.enrollment_id]).get(
        award.enrollment_id, []
    )


def rubric_results_many(
    session: DbSession, enrollment_ids: Sequence[int]
) -> dict[int, list[tuple[str, str]]]:
    """``rubric_results`` of many enrollments in one query, by enrollment id (the
    newest passing review of each; enrollments without one are left out)."""
    from pdhub.review.models import Decision, Review
    from pdhub.submissions.models import Submission

    if not enrollment_ids:
        return {}
    rows = session.execute(
        select(Submission.enrollment_id, Review.scores)
        .join(Submission, Review.submission_id == Submission.id)
        .where(
            Submission.enrollment_id.in_(sorted(set(enrollment_ids))),
            Review.decision == Decision.PASSED,
        )
        .order_by(Submission.enrollment_id, Review.decided_at.desc(), Review.id.desc())
    )
    found: dict[int, list[tuple[str, str]]] = {}
    for enrollment_id, scores in rows:
        if enrollment_id in found:
            continue  # an older passing review
        found[enrollment_id] = [
            (criterion, score["level"])
            for criterion, score in (scores or {}).items()
            if isinstance(score, dict) and score.get("level")
        ]
    return found


def results_for(
    session: DbSession,
    award: Award,
    rubric: Sequence[tuple[str, str]] | None = None,
) -> list[Result]:
    """The award's rubric Results; ``rubric`` is its ``rubric_results`` when the
    caller already has them (the bulk path reads a whole chunk's at once)."""
    module = award.module
    language = language_for(module, award.enrollment.language)
    known = {
        c["id"]: {lv["id"] for lv in module.rubric.get("levels", [])}
        for c in (module.rubric or {}).get("criteria", [])
    }
    if rubric is None:
        rubric = rubric_results(session, award)
    results = []
    for criterion, level in rubric:
        if level in known.get(criterion, set()):
            results.append(
                Result(
                    criterion_id(module, criterion, language),
                    level_id(module, criterion, level, language),
                )
            )
    return results


# Characters an IRI may hold as they are; anything else (spaces, quotes, <>, non-ASCII)
# is percent-encoded so the Evidence id stays an absolute URL in JSON-LD.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def _evidence_of(links: Sequence[dict[str, Any]]) -> list[Evidence]:
    found = []
    for link in links:
        url = quote(str(link.get("url") or "").strip(), safe=_URL_SAFE)
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            continue
        title = " ".join(str(link.get("title") or "").split())
        found.append(Evidence(name=title or url, id=url))
    return found


def shared_evidence_many(
    session: DbSession, enrollment_ids: Sequence[int]
) -> dict[int, list[Evidence]]:
    """The Evidence to put in each enrollment's credential, by enrollment id: one per
    link (id = URL, name = title) of the passing version, only where the teacher
    chose to share it; never the writing or the files. Enrollments without any are
    left out."""
    from pdhub.review.models import Decision, Review
    from pdhub.submissions.models import Submission
    from pdhub.submissions.states import SubmissionStatus

    if not enrollment_ids:
        return {}
    submissions = session.scalars(
        select(Submission)
        .where(
            Submission.enrollment_id.in_(sorted(set(enrollment_ids))),
            Submission.share_evidence_in_badge.is_(True),
        )
        .options(selectinload(Submission.versions))
    ).all()
    if not submissions:
        return {}
    passing: dict[int, int] = {}
    for submission_id, version_id in session.execute(
        select(Review.submission_id, Review.version_id)
        .where(
            Review.submission_id.in_([s.id for s in submissions]),
            Review.decision == Decision.PASSED,
        )
        .order_by(Review.decided_at.desc(), Review.id.desc())
    ):
        passing.setdefault(submission_id, version_id)
    found: dict[int, list[Evidence]] = {}
    for submission in submissions:
        versions = {version.id: version for version in submission.versions}
        version = versions.get(passing.get(submission.id, -1))
        if (
            version is None
            and submission.status is SubmissionStatus.PASSED
            and submission.versions
        ):
            version = submission.versions[-1]  # passed without a recorded review
        evidence = _evidence_of(version.links or []) if version else []
        if evidence:
            found[submission.enrollment_id] = evidence
    return found
