"""What a coach and a district administrator do to a cohort they run, by direct URL:
change it (name, description, dates, modules; the last day not before the first) and
take a member out of it (the member is told in their language). Both are in the audit
trail; another district's administrator, another coach and a member find nothing."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.audit.models import AuditAction, AuditEvent
from pdhub.cohorts import service
from pdhub.communities.models import Community
from pdhub.notifications.models import Notification
from tests.cohorts.conftest import SignedIn, World
from tests.cohorts.test_cohorts import make_cohort
from tests.helpers import text


def _events(session: Session, action: AuditAction) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.action == action.value))
    )


def test_the_coach_and_the_district_change_a_cohort_and_nobody_else_can(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    cohort = make_cohort(session, world)
    service.add_member(session, world.coach, cohort, world.teacher.email)
    session.flush()
    path = f"/cohorts/{cohort.id}/edit"
    coach = signed_in(world.coach)
    form = text(coach.get(path))
    assert 'value="Spring AI cohort"' in form and "We meet every other week." in form
    # The last day before the first: refused next to the field, nothing changed.
    refused = coach.post(
        path,
        data={"name": "Renamed", "starts_on": "2027-03-01", "ends_on": "2027-02-01",
              "modules": [world.module.slug]},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "The last day can't be before the first day." in text(refused)
    session.expire_all()
    assert cohort.name == "Spring AI cohort" and len(cohort.modules) == 2
    assert not _events(session, AuditAction.COHORT_CHANGE)
    saved = coach.post(
        path,
        data={"name": "Winter AI cohort", "description": "Now weekly.",
              "starts_on": "2027-01-04", "ends_on": "2027-04-30",
              "modules": [world.second_module.slug]},
    )  # fmt: skip
    assert saved.status_code == 303, text(saved)[:2000]
    # Members see the change; the discussion space carries the new name.
    page = text(signed_in(world.teacher).get(f"/cohorts/{cohort.id}"))
    assert "Winter AI cohort" in page and "Now weekly." in page
    assert "Digital equity" in page and "AI in the classroom" not in page
    community = session.get(Community, cohort.community_id)
    assert community is not None and community.name == "Winter AI cohort"
    (event,) = _events(session, AuditAction.COHORT_CHANGE)
    assert event.actor_id == world.coach.id and event.object_id == str(cohort.id)
    assert event.district_id == world.district.id
    assert event.detail["changed"] == "name, description, starts_on, ends_on, modules"
    # The district's administrator may change it too.
    admin = signed_in(world.district_admin)
    assert admin.get(path).status_code == 200
    assert (
        admin.post(
            path,
            data={
                "name": "Winter AI cohort",
                "description": "Now weekly.",
                "starts_on": "2027-01-04",
                "ends_on": "2027-05-31",
                "modules": [world.second_module.slug, world.module.slug],
            },
        ).status_code  # fmt: skip
        == 303
    )
    session.expire_all()
    assert [m.module_slug for m in cohort.modules] == ["equity", "ai-classroom"]
    assert [e.actor_id for e in _events(session, AuditAction.COHORT_CHANGE)] == [
        world.coach.id,
        world.district_admin.id,
    ]
    # Another district's administrator and coach, and a member: 404, nothing changed.
    for person in (world.other_admin, world.other_coach, world.teacher):
        client = signed_in(person)
        assert client.get(path).status_code == 404
        assert (
            client.post(
                path,
                data={
                    "name": "Taken",
                    "starts_on": "2027-01-04",
                    "ends_on": "2027-05-31",
                    "modules": [world.module.slug],
                },
            ).status_code  # fmt: skip
            == 404
        )
    session.expire_all()
    assert cohort.name == "Winter AI cohort"
    # Nonsense dates get the form again, not an error page.
    garbage = coach.post(path, data={"name": "X", "starts_on": "soon", "modules": []})
    assert garbage.status_code == 422 and "There is a problem" in text(garbage)


def test_a_removed_member_is_told_in_their_language_and_loses_the_cohort(
    app: Flask, session: Session, world: World, signed_in: SignedIn
) -> None:
    world.teacher.language = "es"
    cohort = make_cohort(session, world)
    for person in (world.teacher, world.colleague):
        service.add_member(session, world.coach, cohort, person.email)
    session.flush()
    teacher = signed_in(world.teacher)
    assert teacher.get(f"/cohorts/{cohort.id}").status_code == 200
    remove = f"/cohorts/{cohort.id}/members/{world.teacher.id}/remove"
    # A member, another district's administrator and coach can't remove anyone.
    for person in (world.colleague, world.other_admin, world.other_coach):
        assert signed_in(person).post(remove).status_code == 404
    coach = signed_in(world.coach)
    assert f'action="{remove}"' in text(coach.get(f"/cohorts/{cohort.id}"))
    response = coach.post(remove)
    assert response.status_code == 303
    assert "no longer a member" in text(coach.get(response.headers["Location"]))
    assert [p.id for p in service.members(session, cohort)] == [world.colleague.id]
    assert teacher.get(f"/cohorts/{cohort.id}").status_code == 404
    assert teacher.get(f"/communities/{cohort.community_id}").status_code == 404
    note = session.scalars(
        select(Notification.message).where(Notification.user_id == world.teacher.id)
    ).all()
    assert "Carlos Coach le quitó de la cohorte “Spring AI cohort”." in note
    (event,) = _events(session, AuditAction.COHORT_MEMBER_REMOVE)
    assert event.subject_id == world.teacher.id and event.actor_id == world.coach.id
    # Removing them again, the coach, or someone who never was a member: 404.
    assert coach.post(remove).status_code == 404
    for person in (world.coach, world.outsider):
        path = f"/cohorts/{cohort.id}/members/{person.id}/remove"
        assert coach.post(path).status_code == 404
    # The district's administrator removes the other member.
    admin = signed_in(world.district_admin)
    path = f"/cohorts/{cohort.id}/members/{world.colleague.id}/remove"
    assert admin.post(path).status_code == 303
    assert service.members(session, cohort) == []
    assert len(_events(session, AuditAction.COHORT_MEMBER_REMOVE)) == 2
