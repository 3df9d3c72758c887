"""Changing a team member's role on /district/equity (the one equity page without a
test of its own): a lead can then record the consensus; a bad role is refused with a
message; another district's administrator gets 404 for the member by id."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pdhub.equity import service
from pdhub.equity.models import EquityTeamMember, TeamRole
from tests.factories import UserFactory
from tests.helpers import sign_in, text


def _browser(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def test_an_administrator_changes_a_members_role_and_no_one_else_can(
    app: Flask, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    ana = UserFactory(district=admin.district, name="Ana Member")
    member = service.add_member(session, admin, admin.district, ana, TeamRole.MEMBER)
    session.flush()
    member_id = member.id
    browser = _browser(app, admin)
    changed = browser.post(
        f"/district/equity/team/{member_id}/role", data={"role-role": "lead"}
    )
    assert changed.status_code == 303
    assert "The role is saved." in text(browser.get("/district/equity"))
    session.expire_all()
    assert session.get(EquityTeamMember, member_id).role is TeamRole.LEAD  # type: ignore[union-attr]
    refused = browser.post(
        f"/district/equity/team/{member_id}/role", data={"role-role": "boss"}
    )
    assert refused.status_code == 303
    assert "Choose lead or member." in text(browser.get("/district/equity"))
    # Another district's administrator: not found, and nothing changes.
    other = _browser(app, UserFactory(district_admin=True))
    assert (
        other.post(
            f"/district/equity/team/{member_id}/role", data={"role-role": "member"}
        ).status_code
        == 404
    )
    # A teacher of the district cannot change roles.
    assert (
        _browser(app, ana)
        .post(f"/district/equity/team/{member_id}/role", data={"role-role": "member"})
        .status_code
        == 403
    )
    session.expire_all()
    assert session.get(EquityTeamMember, member_id).role is TeamRole.LEAD  # type: ignore[union-attr]
