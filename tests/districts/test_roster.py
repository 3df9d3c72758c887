"""Roster imports: preview with every problem, then apply; re-imports update people,
deactivate leavers, never duplicate anyone, and invite newcomers in their language."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pdhub.accounts.models import Role, User
from pdhub.districts.models import Invitation, RosterEntry, RosterImport, School
from tests.factories import SchoolFactory, UserFactory
from tests.helpers import sign_in, text

ORGS = (
    "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
    "d1,active,,Riverside District,district,,\n"
    "s1,active,,Hillside Elementary,school,,d1\n"
    "s2,active,,Lakeview Middle,school,,d1\n"
)
USERS_HEADER = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
    "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
    "agentSourcedIds,grades,password,language\n"
)


def _user(
    sid: str,
    given: str,
    family: str,
    email: str,
    org: str = "s1",
    role: str = "teacher",
    language: str = "",
    status: str = "active",
) -> str:
    return (
        f"{sid},{status},,true,{org},{role},{email},,{given},{family},,,"
        f"{email},,,,,,{language}\n"
    )


def _upload(
    client: FlaskClient, users: str, orgs: str | None = None, name: str = "users.csv"
) -> object:
    data: dict[str, object] = {"users": (io.BytesIO(users.encode()), name)}
    if orgs is not None:
        data["orgs"] = (io.BytesIO(orgs.encode()), "orgs.csv")
    return client.post(
        "/district/roster", data=data, content_type="multipart/form-data"
    )


def _import_id(response: object) -> int:
    location = response.headers["Location"]  # type: ignore[attr-defined]
    return int(re.search(r"/district/roster/(\d+)", location).group(1))  # type: ignore[union-attr]


def _apply(client: FlaskClient, import_id: int) -> str:
    response = client.post(f"/district/roster/{import_id}/apply")
    assert response.status_code == 303
    return text(client.get(f"/district/roster/{import_id}"))


def test_preview_lists_every_problem_with_line_and_column_and_saves_nobody(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    users = (
        USERS_HEADER
        + _user("t1", "Ana", "Ruiz", "ana@example.org")
        + _user("t2", "Ben", "Ode", "not-an-email")
        + _user("t3", "Cy", "Lo", "cy@example.org", org="s9")
        + _user("t4", "Di", "Ma", "di@example.org", role="techer")
        + _user("t1", "Ana", "Again", "ana2@example.org")
        + _user("t5", "Ed", "Fa", "ed@example.org", language="fr")
    )
    response = _upload(client, users, ORGS)
    assert response.status_code == 303
    page = text(client.get(response.headers["Location"]))
    assert "5 problems to correct" in page
    assert "Nothing has been saved" in page
    for line, column, words in [
        (3, "email", '"not-an-email" is not an email address.'),
        (4, "orgSourcedIds", "No school in orgs.csv has the sourcedId s9."),
        (5, "role", '"techer" is not a OneRoster role'),
        (6, "sourcedId", "This person is listed twice (first on line 2)."),
        (7, "language", '"fr" is not a language PD Hub speaks'),
    ]:
        assert re.search(
            rf"<td>users.csv</td><td>{line}</td><td>{column}</td><td>{re.escape(words)}",
            page,
        ), (line, column)
    assert "Apply the file" not in page
    assert session.scalar(select(func.count(RosterEntry.id))) == 0
    assert session.scalar(select(func.count(Invitation.id))) == 0
    refused = client.post(
        f"/district/roster/{_import_id(response)}/apply", follow_redirects=True
    )
    assert "Correct the problems in the file" in text(refused)
    assert session.scalar(select(func.count(Invitation.id))) == 0


def test_oneroster_import_invites_then_reimport_updates_and_deactivates(
    client: FlaskClient, session: Session, mail_log: Path
) -> None:
    admin = UserFactory(district_admin=True)
    district = admin.district
    existing = UserFactory(district=district, email="cy@example.org", name="Cy Old")
    sign_in(client, admin)
    users = (
        USERS_HEADER
        + _user("t1", "Ana", "Ruiz", "ana@example.org", language="es")
        + _user("t2", "Ben", "Ode", "ben@example.org", org="s2")
        + _user("t3", "Cy", "Lo", "cy@example.org", org="s2", role="principal")
        + _user("st1", "Stu", "Dent", "stu@example.org", role="student")
    )
    response = _upload(client, users, ORGS)
    import_id = _import_id(response)
    preview = text(client.get(f"/district/roster/{import_id}"))
    assert "invite 2 new people by email" in preview
    assert "bring 1 person up to date" in preview
    assert "add these schools: Hillside Elementary, Lakeview Middle" in preview
    assert "leave out 1 student or family member" in preview
    assert (
        session.scalar(
            select(func.count(School.id)).where(School.district_id == district.id)
        )
        == 0
    )
    done = _apply(client, import_id)
    assert "Finished" in done and "2 invited" in done and "1 updated" in done
    mail = mail_log.read_text()
    # Ana's roster row says Spanish: her invitation is in Spanish; Ben's in English.
    ana_mail, ben_mail = mail.split("To: ben@example.org")
    assert f"Subject: Le invitan a {district.name} en PD Hub" in ana_mail
    assert "Cree su cuenta aquí:" in ana_mail
    assert f"Subject: You're invited to {district.name} on PD Hub" in ben_mail
    assert "Create your account here:" in ben_mail
    session.refresh(existing)
    assert existing.name == "Cy Lo" and existing.role is Role.SCHOOL_LEADER
    assert existing.school.name == "Lakeview Middle"

    # Ana accepts her invitation; then the next roster changes her email, drops Ben.
    ana_token = session.scalar(
        select(Invitation).where(Invitation.email == "ana@example.org")
    )
    assert ana_token is not None
    ana = UserFactory(district=district, email="ana@example.org", name="Ana Ruiz")
    users2 = (
        USERS_HEADER
        + _user("t1", "Ana", "Ruiz", "ana.ruiz@example.org")
        + _user("t3", "Cy", "Lo", "cy@example.org", org="s2", role="principal")
    )
    second = _import_id(_upload(client, users2, ORGS))
    preview2 = text(client.get(f"/district/roster/{second}"))
    assert "deactivate 1 person no longer listed" in preview2
    done2 = _apply(client, second)
    assert "1 deactivated" in done2
    session.refresh(ana)
    assert ana.email == "ana.ruiz@example.org" and ana.active
    assert (
        session.scalar(select(func.count(User.id)).where(User.email.like("ana%"))) == 1
    )  # the same person, not a second account
    ben_invitation = session.scalar(
        select(Invitation).where(Invitation.email == "ben@example.org")
    )
    assert ben_invitation.revoked_at is not None  # Ben left before accepting
    # Importing the same file again changes nothing and duplicates nobody.
    third = _import_id(_upload(client, users2, ORGS))
    done3 = text(client.get(f"/district/roster/{third}"))
    assert "invite 0 new people" in done3
    assert "2 unchanged" in _apply(client, third)
    assert session.scalar(select(func.count(RosterEntry.id))) == 3


def test_simple_csv_with_school_names_and_roles(
    client: FlaskClient, session: Session
) -> None:
    admin = UserFactory(district_admin=True)
    school = SchoolFactory(district=admin.district, name="Lakeview Middle School")
    leaver = UserFactory(district=admin.district, email="gone@example.org")
    sign_in(client, admin)
    first = (
        "name,email,school,role\n"
        "Gone Person,gone@example.org,Lakeview Middle School,teacher\n"
        "Pat Lee,pat@example.org,lakeview middle school,coach\n"
    )
    _apply(client, _import_id(_upload(client, first, name="staff.csv")))
    second = (
        "Name,Email,School,Role\n"
        "Pat Lee,pat@example.org,Lakeview Middle School,school leader\n"
    )
    done = _apply(client, _import_id(_upload(client, second, name="staff.csv")))
    assert "1 deactivated" in done
    session.refresh(leaver)
    assert not leaver.active
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.email == "pat@example.org")
        .order_by(Invitation.id.desc())
    )
    assert invitation.school_id == school.id


def test_simple_csv_errors_name_line_and_column(client: FlaskClient) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    bad = "name,email,school,role\n,a@example.org,,teacher\nBo,b@example.org,,janitor\n"
    page = text(client.get(_upload(client, bad).headers["Location"]))
    assert "<td>2</td><td>name</td><td>Enter a name of 1 to 120 characters." in page
    assert '<td>3</td><td>role</td><td>"janitor" is not a role here' in page


def test_a_file_that_is_not_a_csv_gets_a_friendly_answer(client: FlaskClient) -> None:
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    response = client.post(
        "/district/roster",
        data={"users": (io.BytesIO(b"\xff\xfe\x00bad"), "staff.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "is not saved as UTF-8 text" in text(response)
    missing = client.post(
        "/district/roster", data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422
    assert "Choose the staff file to upload." in text(missing)


def test_another_districts_import_is_not_found(
    client: FlaskClient, session: Session
) -> None:
    other_admin = UserFactory(district_admin=True)
    other = RosterImport(
        district_id=other_admin.district_id,
        created_by_id=other_admin.id,
        source="simple",
        filename="theirs.csv",
        rows=[],
        problems=[],
        total=0,
    )
    session.add(other)
    session.flush()
    admin = UserFactory(district_admin=True)
    sign_in(client, admin)
    assert client.get(f"/district/roster/{other.id}").status_code == 404
    assert client.post(f"/district/roster/{other.id}/apply").status_code == 404
    session.refresh(other)
    assert other.status.value == "preview"


def test_only_district_administrators_import(client: FlaskClient) -> None:
    leader = UserFactory(school_leader=True)
    sign_in(client, leader)
    assert client.get("/district/roster").status_code == 403
