"""Two districts full of real objects for the access matrix: in each, a school, a
second school with a teacher of its own (for the "same school" cells), a teacher with
evidence, files, a credential, a community thread with an attachment,
learning done elsewhere, a roster import, an invitation, a verification batch, a
trust-list entry, a district assignment and an API token; plus the people of every
role. ``values`` name each URL argument's object in that district."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from pdhub import tasks
from pdhub.accounts.models import ApiToken, Role, User
from pdhub.accounts.service import create_api_token
from pdhub.admin.models import JobFailure
from pdhub.communities import service as communities
from pdhub.communities.models import Attachment, CommunityKind
from pdhub.credentials import service as credentials
from pdhub.credentials.achievements import achievement_key
from pdhub.db import utcnow
from pdhub.districts import assignments, external, roster
from pdhub.districts import service as districts
from pdhub.districts.models import AssignmentTarget, Invitation
from pdhub.extensions import db
from pdhub.learning.models import EnrollmentStatus
from pdhub.pathways import service as pathways
from pdhub.submissions.storage import file_store
from pdhub.trust import service as trust
from pdhub.verification.models import VerificationBatch
from pdhub.workshops import service as workshops
from tests.factories import (
    PDF_BYTES,
    ArtifactFactory,
    AwardFactory,
    CoachAssignmentFactory,
    DistrictFactory,
    EnrollmentFactory,
    QuizAttemptFactory,
    SchoolFactory,
    SubmissionFactory,
    UserFactory,
)

ROLES = ("anonymous", "teacher", "coach", "school_leader", "district_admin", "admin")


@dataclass
class Side:
    """One district: its people by role and its objects by URL argument name."""

    people: dict[str, User]
    values: dict[str, str] = field(default_factory=dict)
    # Objects of the district's other school (not the school leader's), by URL
    # argument name, and the name of that school's teacher, which a school leader's
    # pages must never show.
    other_school: dict[str, str] = field(default_factory=dict)
    other_school_teacher: str = ""


@dataclass
class World:
    a: Side  # the district the signed-in people belong to
    b: Side  # another district: its objects must answer 404


def _side(label: str, number: int) -> Side:
    session = db.session
    district = DistrictFactory(name=f"{label} District")
    school = SchoolFactory(district=district, name=f"{label} Middle School")
    teacher = UserFactory(district=district, school=school, name=f"{label} Teacher")
    coach = UserFactory(coach=True, district=district, name=f"{label} Coach")
    coach_assignment = CoachAssignmentFactory(coach=coach, district=district)
    leader = UserFactory(
        school_leader=True, district=district, school=school, name=f"{label} Leader"
    )
    district_admin = UserFactory(
        district_admin=True, district=district, name=f"{label} Admin"
    )
    enrollment = EnrollmentFactory(user=teacher)
    QuizAttemptFactory(enrollment=enrollment, number=1)
    submission = SubmissionFactory(enrollment=enrollment, in_review=True)
    artifact = ArtifactFactory(submission=submission)
    award = AwardFactory(
        enrollment=EnrollmentFactory(
            user=teacher, status=EnrollmentStatus.COMPLETED, completed_at=utcnow()
        )
    )
    credential = credentials.issue_credential(session, award.id)
    assert credential is not None
    credentials.set_shared(session, teacher, credential, True)

    communities.ensure_communities(session, teacher)
    community = next(
        c
        for c in communities.visible_communities(session, teacher)
        if c.kind is CommunityKind.DISTRICT
    )
    thread = communities.start_thread(
        session,
        teacher,
        community,
        title=f"{label} planning notes",
        body="Our unit plan, attached.",
        upload=communities.Upload("plan.pdf", PDF_BYTES, 10 * 1024 * 1024),
        store=file_store(),
    )
    attachment = session.scalars(
        select(Attachment)
        .join(Attachment.post)
        .where(Attachment.post.has(thread_id=thread.id))
    ).first()
    assert attachment is not None

    record = external.log(
        session,
        teacher,
        external.Details(
            title=f"{label} summer institute",
            provider="State university",
            started_on=date(2026, 7, 1),
            ended_on=date(2026, 7, 3),
            hours=12,
        ),
        external.Certificate("certificate.pdf", PDF_BYTES),
        file_store(),
        max_bytes=10 * 1024 * 1024,
        language="en",
    )
    elm = SchoolFactory(district=district, name=f"{label} Elm Elementary")
    elm_teacher = UserFactory(
        district=district, school=elm, name=f"{label} Elmwood Teacher"
    )
    EnrollmentFactory(user=elm_teacher, module=enrollment.module)
    elm_record = external.log(
        session,
        elm_teacher,
        external.Details(
            title=f"{label} Elm workshop",
            provider="County office",
            started_on=date(2026, 7, 6),
            ended_on=date(2026, 7, 7),
            hours=6,
        ),
        external.Certificate("certificate.pdf", PDF_BYTES),
        file_store(),
        max_bytes=10 * 1024 * 1024,
        language="en",
    )
    preview = roster.create_preview(
        session,
        district_admin,
        district,
        ("users.csv", f"name,email\nNew {label},new-{number}@example.org\n".encode()),
    )
    invitation_token = districts.invite(
        session,
        district_admin,
        district,
        email=f"invited-{number}@example.org",
        role=Role.TEACHER,
    )
    invitation = session.scalars(
        select(Invitation).where(Invitation.district_id == district.id)
    ).first()
    assert invitation is not None
    batch = VerificationBatch(district_id=district.id, source="csv", total=1, chunks=1)
    session.add(batch)
    entry = trust.add_entry(
        session,
        district_admin,
        district.id,
        identifier=f"https://issuer-{number}.example.org",
        name=f"{label} partner",
    )
    assignment = assignments.create(
        session,
        district_admin,
        district,
        module_slug=enrollment.module.slug,
        due_date=date.today() + timedelta(days=30),
        target=AssignmentTarget.EVERYONE,
    )
    pathway = pathways.create_pathway(
        session,
        district_admin,
        name=f"{label} pathway",
        description="",
        milestone_name=f"{label} milestone",
        required=[award.module.slug],
        electives=[],
        electives_required=0,
    )
    [completion] = pathways.check_user(session, teacher)
    assert pathways.issue_milestone(session, completion.id) is not None
    from pdhub.endorsements import service as endorsements

    endorsement = endorsements.endorse(
        session, district_admin, enrollment.module_id, f"Approved in {label}."
    )
    workshop = workshops.create_workshop(
        session,
        district_admin,
        name=f"{label} workshop",
        description="An in-person day.",
        criteria="Attended.",
        hours=2,
        image="blue",
    )
    workshop_run = workshops.preview_csv(
        session, district_admin, workshop, date.today(), "a.csv", teacher.email.encode()
    )
    workshops.confirm(session, district_admin, workshop_run)
    assert workshops.issue_chunk(session, workshop_run.id)
    [workshop_award] = workshops.awards_of(session, teacher)
    create_api_token(session, district_admin, f"{label} HR")
    session.flush()
    token_id = session.scalar(
        select(ApiToken.id).where(ApiToken.user_id == district_admin.id)
    )
    module = enrollment.module
    # The teacher's CLR transcript, private (never shared).
    from pdhub.clr import service as clr

    transcript = clr.transcript_for(session, teacher)
    from pdhub.impact.models import GoalKind, ImpactGoal

    goal = ImpactGoal(
        district_id=district.id,
        kind=GoalKind.BADGE_SHARE,
        module_slug=module.slug,
        target_percent=60,
    )
    session.add(goal)
    session.flush()
    return Side(
        people={
            "teacher": teacher,
            "coach": coach,
            "school_leader": leader,
            "district_admin": district_admin,
        },
        values={
            "district_id": str(district.id),
            "school_id": str(school.id),
            "user_id": str(teacher.id),
            "enrollment_id": str(enrollment.id),
            "submission_id": str(submission.id),
            "artifact_id": str(artifact.id),
            "assignment_id": str(coach_assignment.id),
            "district_assignment_id": str(assignment.id),
            "credential_id": credential.id,
            "name": credential.id,
            "clr_transcript": f"{transcript.id}.json",
            "community_id": str(community.id),
            "thread_id": str(thread.id),
            "post_id": str(attachment.post_id),
            "attachment_id": str(attachment.id),
            "record_id": str(record.id),
            "import_id": str(preview.id),
            "invitation_id": str(invitation.id),
            "batch_id": str(batch.id),
            "entry_id": str(entry.id),
            "token_id": str(token_id),
            "invitation_token": invitation_token,
            "slug": module.slug,
            "lesson_slug": module.lessons[0].slug if module.lessons else "lesson-1",
            "key": achievement_key(module),
            "list_id": str(credential.revocation_list_id),
            "pathway_id": str(pathway.id),
            "completion_id": str(completion.id),
            "endorsement_id": endorsement.id,
            "goal_id": str(goal.id),
            "workshop_id": str(workshop.id),
            "run_id": str(workshop_run.id),
            "workshop_credential": workshop_award.credential_id,
            "award_id": str(workshop_award.id),
        },
        other_school={"record_id": str(elm_record.id), "user_id": str(elm_teacher.id)},
        other_school_teacher=elm_teacher.name,
    )


def seed_world() -> World:
    a = _side("Alder", 1)
    b = _side("Birch", 2)
    admin = UserFactory(admin=True, name="Platform Admin")
    failure = JobFailure(
        task_id="access-matrix-1",
        task_name=tasks.DELIVER_EMAIL,
        args=[],
        error="boom",
        attempts=3,
    )
    db.session.add(failure)
    platform_entry = trust.add_entry(
        db.session,
        admin,
        None,
        identifier="https://platform-partner.example.org",
        name="Platform partner",
    )
    db.session.flush()
    shared = {
        "issuer_id": "pdhub",
        "number": "1",
        "filename": "site.css",
        "failure_id": str(failure.id),
        "platform_entry_id": str(platform_entry.id),
        "token": "not-a-real-token-0123456789abcdef",
    }
    for side in (a, b):
        side.people["admin"] = admin
        for name, value in shared.items():
            side.values.setdefault(name, value)
    db.session.commit()
    return World(a=a, b=b)
