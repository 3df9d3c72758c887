"""Personalized learning and the classroom access picture: the modules' competencies
(module format), the teacher's self-assessment and the recommendations, reasons and
path it gives on the catalog and dashboard, the class access inventory on the
digital-equity module's evidence page (shared only with consent, withdrawable), and
the district's picture by school (shown only from 10 classes; never another
district's)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pdhub.learning.models import EnrollmentStatus
from pdhub.learning.packages import load_package, validate_package
from pdhub.learnpath import inventory
from pdhub.learnpath.models import ClassInventory, LearnerSelfAssessment
from tests.factories import (
    DistrictFactory,
    EnrollmentFactory,
    ModuleFactory,
    SchoolFactory,
    UserFactory,
)
from tests.helpers import sign_in, text

MODULES = Path(__file__).resolve().parents[2] / "modules"
COUNTS = ["device_at_home", "home_internet", "mobile_only"]


def _browser(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def _competencies(*rows: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"id": cid, "en": en, "es": es} for cid, en, es in rows]


def _equity_module(**kwargs: Any) -> Any:
    module = ModuleFactory(slug="equity-demo", title="Closing the divides", **kwargs)
    module.evidence = {**module.evidence, "access_inventory": COUNTS}
    return module


# --- the module format ----------------------------------------------------------------


def test_every_module_declares_competencies_in_english_and_spanish() -> None:
    for folder in sorted(p for p in MODULES.iterdir() if p.is_dir()):
        package = load_package(folder)
        assert package.competencies, folder.name
        for competency in package.competencies:
            assert competency.en.strip() and competency.es.strip()
    equity = load_package(MODULES / "digital-equity-classroom")
    assert "device_at_home" in equity.evidence.access_inventory
    assert "home_internet" in equity.evidence.access_inventory


def test_bad_competencies_and_inventory_counts_are_problems(tmp_path: Path) -> None:
    folder = tmp_path / "digital-equity-classroom"
    shutil.copytree(MODULES / "digital-equity-classroom", folder)
    manifest = folder / "module.yaml"
    original = manifest.read_text(encoding="utf-8")
    changed = original.replace("  - id: closing-use-divide", "  - id: mapping-access")
    changed = changed.replace(
        "counts: [device_at_home,", "counts: [laptops_in_bag, device_at_home,"
    )
    manifest.write_text(changed, encoding="utf-8")
    problems = [str(p) for p in validate_package(folder)]
    assert any(
        "'mapping-access' is used by another competency" in p for p in problems
    ), problems
    assert any("access_inventory" in p for p in problems), problems
    no_spanish = original.replace('    es: "diseñar para la brecha de uso"\n', "")
    manifest.write_text(no_spanish, encoding="utf-8")
    assert any("competencies" in str(p) for p in validate_package(folder))


# --- the self-assessment and recommendations ------------------------------------------


def _catalog_with_competencies() -> dict[str, Any]:
    equity = ModuleFactory(
        slug="divides",
        title="Closing the divides",
        competencies=_competencies(
            (
                "use-divide",
                "designing for the use divide",
                "diseñar para la brecha de uso",
            ),
            ("access-map", "mapping home access", "mapear el acceso en casa"),
        ),
    )
    design = ModuleFactory(
        slug="design",
        title="Lesson design",
        competencies=_competencies(
            (
                "purpose",
                "choosing technology with purpose",
                "elegir tecnología con propósito",
            ),
        ),
    )
    privacy = ModuleFactory(
        slug="privacy",
        title="Privacy basics",
        competencies=_competencies(
            ("ferpa", "applying FERPA", "aplicar FERPA"),
        ),
    )
    other = ModuleFactory(slug="unrated", title="Zeta unrated module")
    return {"equity": equity, "design": design, "privacy": privacy, "other": other}


def _answers(page_items: list[str], levels: dict[str, str]) -> dict[str, str]:
    """Form data for the self-assessment: item fields in the order the page lists the
    skills (modules by title, then the module's order)."""
    return {
        f"item_{n}": levels[skill]
        for n, skill in enumerate(page_items)
        if skill in levels
    }


ORDER = [
    "designing for the use divide",
    "mapping home access",
    "choosing technology with purpose",
    "applying FERPA",
]


def test_self_assessment_gives_reasoned_recommendations_and_a_path_with_progress(
    app: Flask, session: Session
) -> None:
    modules = _catalog_with_competencies()
    maya = UserFactory(name="Maya Teacher")
    browser = _browser(app, maya)
    catalog = text(browser.get("/modules"))
    assert "Take the self-assessment" in catalog
    page = text(browser.get("/learn/self-assessment"))
    for skill in ORDER:
        assert skill in page
    assert (
        page.index(ORDER[0]) < page.index(ORDER[2]) < page.index(ORDER[3])
    )  # by title
    response = browser.post(
        "/learn/self-assessment",
        data={
            "item_0": "developing",  # Closing the divides: use divide
            "item_1": "confident",  # Closing the divides: mapping access
            "item_2": "beginning",  # Lesson design: purpose
            "item_3": "confident",  # Privacy basics: FERPA
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/modules")

    EnrollmentFactory(user=maya, module=modules["equity"])
    catalog = text(browser.get("/modules"))
    assert "Recommended for you" in catalog
    assert (
        "You rated yourself beginning on choosing technology with purpose." in catalog
    )
    assert "You rated yourself developing on designing for the use divide." in catalog
    assert "FERPA." not in catalog  # rated confident: not recommended
    recommended = catalog[catalog.index("Recommended for you") :]
    recommended = recommended[: recommended.index("Show modules")]
    # The path: beginning first, with the teacher's progress along it.
    assert recommended.index("Lesson design") < recommended.index("Closing the divides")
    assert "not started" in recommended and "in progress" in recommended
    # Recommendations never hide the catalog.
    for title in ("Privacy basics", "Zeta unrated module", "Lesson design"):
        assert catalog.count(title) >= 1
    assert "4 modules" in catalog

    dashboard = text(browser.get("/dashboard"))
    assert (
        "You rated yourself beginning on choosing technology with purpose." in dashboard
    )

    # Retaking: the last answers are filled in, and new answers replace them.
    retake = browser.get("/learn/self-assessment").get_data(as_text=True)
    checked = re.findall(
        r'<input checked id="(item_\d)-\d" name="item_\d" type="radio" value="(\w+)"',
        retake,
    )
    assert sorted(checked) == [
        ("item_0", "developing"), ("item_1", "confident"),
        ("item_2", "beginning"), ("item_3", "confident"),
    ]  # fmt: skip
    browser.post(
        "/learn/self-assessment",
        data={"item_0": "confident", "item_2": "confident", "item_3": "beginning"},
    )
    record = session.scalar(
        select(LearnerSelfAssessment).where(LearnerSelfAssessment.user_id == maya.id)
    )
    assert record is not None and record.times_taken == 2
    assert record.answers == {
        "divides/use-divide": "confident",
        "divides/access-map": "confident",  # kept from last time
        "design/purpose": "confident",
        "privacy/ferpa": "beginning",
    }
    enrollment = EnrollmentFactory(user=maya, module=modules["privacy"])
    enrollment.status = EnrollmentStatus.COMPLETED
    session.flush()
    catalog = text(browser.get("/modules"))
    assert "You rated yourself beginning on applying FERPA." in catalog
    assert "choosing technology with purpose." not in catalog
    recommended = catalog[catalog.index("Recommended for you") :]
    assert "done" in recommended[: recommended.index("Show modules")]


def test_self_assessment_speaks_spanish_and_refuses_empty_answers(
    app: Flask, session: Session
) -> None:
    _catalog_with_competencies()
    marisol = UserFactory(language="es")
    browser = _browser(app, marisol)
    response = browser.post("/learn/self-assessment", data={})
    assert response.status_code == 422
    assert "Califíquese en al menos una habilidad." in text(response)
    browser.post("/learn/self-assessment", data={"item_0": "beginning"})
    catalog = text(browser.get("/modules"))
    assert "Recomendado para usted" in catalog
    assert "diseñar para la brecha de uso" in catalog
    # A bad value is not an answer: friendly page, nothing kept.
    response = browser.post("/learn/self-assessment", data={"item_1": "expert"})
    assert response.status_code == 422


def test_only_teachers_take_the_self_assessment(app: Flask, session: Session) -> None:
    coach = UserFactory(coach=True)
    assert _browser(app, coach).get("/learn/self-assessment").status_code == 403
    assert app.test_client().get("/learn/self-assessment").status_code == 302


# --- the class access inventory -------------------------------------------------------


def test_class_counts_are_validated_and_shared_only_with_consent(
    app: Flask, session: Session
) -> None:
    school = SchoolFactory()
    teacher = UserFactory(district=school.district, school=school)
    enrollment = EnrollmentFactory(user=teacher, module=_equity_module())
    browser = _browser(app, teacher)
    page = browser.get(f"/learn/{enrollment.id}/evidence").get_data(as_text=True)
    assert "Your class&#39;s access inventory" in page or "access inventory" in page
    assert 'name="inventory-share"' in page
    assert 'name="inventory-share" type="checkbox" value="y" checked' not in page
    url = f"/learn/{enrollment.id}/evidence/inventory"
    bad = browser.post(
        url,
        data={
            "inventory-students": "20",
            "inventory-count_device_at_home": "25",
            "inventory-count_home_internet": "10",
            "inventory-count_mobile_only": "2",
            "inventory-share": "y",
        },
    )
    assert bad.status_code == 422
    assert "from 0 to the number of students" in text(bad)
    assert session.scalar(select(ClassInventory)) is None
    missing = browser.post(url, data={"inventory-students": "20"})
    assert missing.status_code == 422 and "Give a count, 0 if none." in text(missing)

    good = {
        "inventory-students": "20",
        "inventory-count_device_at_home": "17",
        "inventory-count_home_internet": "15",
        "inventory-count_mobile_only": "3",
    }
    response = browser.post(url, data={**good, "inventory-share": "y"})
    assert response.status_code == 303
    saved = session.scalar(select(ClassInventory))
    assert saved is not None and saved.shared and saved.school_id == school.id
    assert saved.counts == {"device_at_home": 17, "home_internet": 15, "mobile_only": 3}
    # Withdrawn: saved unticked.
    browser.post(url, data=good)
    session.refresh(saved)
    assert not saved.shared and saved.shared_at is None
    assert "They are not shared." in text(
        browser.get(f"/learn/{enrollment.id}/evidence")
    )


def test_another_teacher_cannot_post_counts_for_an_enrollment(
    app: Flask, session: Session
) -> None:
    enrollment = EnrollmentFactory(module=_equity_module())
    stranger = UserFactory()  # another district
    neighbour = UserFactory(district=enrollment.user.district)
    for person in (stranger, neighbour):
        response = _browser(app, person).post(
            f"/learn/{enrollment.id}/evidence/inventory",
            data={"inventory-students": "20"},
        )
        assert response.status_code == 404
    plain = EnrollmentFactory(user=stranger)  # a module without an inventory
    response = _browser(app, stranger).post(
        f"/learn/{plain.id}/evidence/inventory", data={"inventory-students": "20"}
    )
    assert response.status_code == 404


# --- the district's picture -----------------------------------------------------------


def _classes(
    session: Session, module: Any, school: Any, count: int, *, shared: bool
) -> None:
    for _ in range(count):
        teacher = UserFactory(district=school.district, school=school)
        enrollment = EnrollmentFactory(user=teacher, module=module)
        inventory.save(
            session,
            teacher,
            enrollment,
            20,
            {"device_at_home": 15, "home_internet": 10, "mobile_only": 4},
            shared,
        )


def test_district_picture_by_school_suppresses_small_schools_and_other_districts(
    app: Flask, session: Session
) -> None:
    module = _equity_module()
    north = SchoolFactory(name="North Middle School")
    south = SchoolFactory(district=north.district, name="South Elementary School")
    _classes(session, module, north, 10, shared=True)
    _classes(session, module, north, 3, shared=False)  # not consented: not counted
    _classes(session, module, south, 9, shared=True)
    elsewhere = SchoolFactory(name="Faraway High School")
    _classes(session, module, elsewhere, 12, shared=True)
    admin = UserFactory(district=north.district, district_admin=True)
    browser = _browser(app, admin)
    page = text(browser.get("/district/equity/classrooms"))
    north_part = page[page.index("North Middle School") :]
    assert "10 classes share their counts · 200 students" in north_part
    assert "150" in north_part and "75%" in north_part  # device at home
    assert "100" in north_part and "50%" in north_part  # home internet
    assert (
        "Not shown: fewer than 10 classes have shared their counts here (so far 9)."
        in page
    )
    assert "Faraway High School" not in page
    assert "240" not in page  # the other district's 12 x 20 students
    leader = UserFactory(district=north.district, school=north, school_leader=True)
    assert _browser(app, leader).get("/district/equity/classrooms").status_code == 200
    # The overview links to it.
    assert "/district/equity/classrooms" in text(browser.get("/district/equity"))


def test_classroom_picture_is_for_the_districts_leaders_only(
    app: Flask, session: Session
) -> None:
    teacher = UserFactory()
    assert _browser(app, teacher).get("/district/equity/classrooms").status_code == 403
    admin = UserFactory(admin=True)
    assert _browser(app, admin).get("/district/equity/classrooms").status_code == 403
    assert app.test_client().get("/district/equity/classrooms").status_code == 302


@pytest.mark.parametrize("language", ["en", "es"])
def test_classroom_picture_reads_in_both_languages(
    app: Flask, session: Session, language: str
) -> None:
    admin = UserFactory(district_admin=True, language=language)
    SchoolFactory(district=admin.district, name="Only School")
    page = text(_browser(app, admin).get("/district/equity/classrooms"))
    heading = (
        "Classroom access picture"
        if language == "en"
        else "Panorama del acceso en las aulas"
    )
    assert heading in page


def test_the_demo_gives_maya_recommendations_and_one_school_a_picture(
    session: Session,
) -> None:
    from pdhub import demo
    from pdhub.learning import importer
    from pdhub.learnpath import demo as learnpath_demo
    from pdhub.learnpath import service

    district = DistrictFactory(name=demo.DISTRICT_NAME)
    session.flush()
    for name in demo.SCHOOLS:
        SchoolFactory(district=district, name=name)
    maya = UserFactory(district=district, email=learnpath_demo.MAYA)
    importer.import_folder(session, MODULES / "digital-equity-classroom")
    learnpath_demo.seed(session, district)
    learnpath_demo.seed(session, district)  # idempotent
    steps = service.path(session, maya, "en")
    assert steps is not None
    assert [(s.module_slug, s.level, s.skill) for s in steps] == [
        ("digital-equity-classroom", "beginning", "designing for the use divide"),
    ]
    pictures = {p.school.name: p for p in inventory.district_picture(session, district)}
    assert pictures["Lakeview Middle School"].shown
    assert pictures["Lakeview Middle School"].classes == 12
    assert not pictures["Riverside Elementary School"].shown
    assert pictures["Riverside Elementary School"].counts == {}


def test_an_english_only_module_title_is_marked_english_for_a_spanish_reader(
    app: Flask, session: Session
) -> None:
    _catalog_with_competencies()
    browser = _browser(app, UserFactory(language="es"))
    browser.post("/learn/self-assessment", data={"item_0": "beginning"})
    page = browser.get("/modules").get_data(as_text=True)
    assert 'lang="en">Closing the divides</a>' in page
