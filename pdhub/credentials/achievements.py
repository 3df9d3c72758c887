"""The Open Badges Achievement of a module version: criteria, alignment, rubric; and
the evidence links a teacher chose to share in their credential."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from badges.credential import (
    Achievement,
    Alignment,
    Evidence,
    Image,
    Result,
    ResultDescription,
    RubricLevel,
)
from pdhub.credentials.keys import base_url
from pdhub.credentials.models import Award
from pdhub.db import DbSession
from pdhub.learning.models import Module


def achievement_key(module: Module) -> str:
    """The path segment naming a module version's Achievement: ``<slug>-v<version>``."""
    return f"{module.slug}-v{module.version}"


def achievement_url(module: Module) -> str:
    return f"{base_url()}/achievements/{achievement_key(module)}"


def badge_image_data_url(module: Module) -> str:
    """The module's badge image as a data: URL, so the credential shows it offline."""
    encoded = base64.b64encode(bytes(module.badge_image)).decode("ascii")
    return f"data:{module.badge_media_type};base64,{encoded}"


def _criteria_narrative(module: Module) -> str:
    lines = [f"Competency: {module.competency.strip()}"]
    overview = (module.evidence or {}).get("overview")
    if overview:
        lines.append(f"Evidence: {str(overview).strip()}")
    lines.append(
        "The educator passed the module's knowledge check and submitted evidence "
        "that a coach scored against the public rubric below."
    )
    passing = (module.rubric or {}).get("passing", {}).get("min_criteria_demonstrated")
    criteria = (module.rubric or {}).get("criteria", [])
    if passing:
        lines.append(
            f"At least {passing} of the {len(criteria)} rubric criteria must be "
            "demonstrated."
        )
    for criterion in criteria:
        lines.append(f"- {criterion.get('name')}: {criterion.get('description', '')}")
    lines.append(f"Credit: {pd_hours_text(module.hours)} of professional development.")
    return "\n".join(lines)


def pd_hours_text(hours: float) -> str:
    """PD hours with their unit, as people read them: "4 PD hours", "4.5 PD hours"."""
    number = f"{hours:g}"
    return f"{number} PD hour" if number == "1" else f"{number} PD hours"


def criterion_id(module: Module, criterion: str) -> str:
    return f"{achievement_url(module)}#criterion-{criterion}"


def level_id(module: Module, criterion: str, level: str) -> str:
    return f"{achievement_url(module)}#criterion-{criterion}-level-{level}"


def _result_descriptions(module: Module) -> list[ResultDescription]:
    rubric: dict[str, Any] = module.rubric or {}
    levels = rubric.get("levels", [])
    descriptions = []
    for criterion in rubric.get("criteria", []):
        texts = criterion.get("levels", {})
        descriptions.append(
            ResultDescription(
                id=criterion_id(module, criterion["id"]),
                name=criterion["name"],
                levels=tuple(
                    RubricLevel(
                        id=level_id(module, criterion["id"], level["id"]),
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


def achievement_for(module: Module) -> Achievement:
    """The Achievement of one module version (one per version: ids never change)."""
    return Achievement(
        id=achievement_url(module),
        name=module.badge_name,
        description=module.badge_description,
        criteria_narrative=_criteria_narrative(module),
        image=Image(badge_image_data_url(module), caption=module.badge_alt),
        alignments=tuple(_alignments(module)),
        credits_available=module.hours,
        result_descriptions=tuple(_result_descriptions(module)),
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
                    criterion_id(module, criterion), level_id(module, criterion, level)
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
