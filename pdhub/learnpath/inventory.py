"""The class-level access inventory: the teacher's counts for one class, their consent
to share them, and the district's picture by school (shown only where enough classes
contribute that no class can be picked out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.db import DbSession, utcnow
from pdhub.districts.models import District, School
from pdhub.errors import InvalidInput
from pdhub.learning.models import Enrollment
from pdhub.learnpath.models import ClassInventory

#: A school's counts are shown only when at least this many classes contribute.
MIN_CLASSES = 10
MAX_STUDENTS = 500

#: Every count a module may ask for (module.schema.json lists the same ids).
COUNT_LABELS = {
    "device_at_home": _l("Students with a device they can use for school work at home"),
    "home_internet": _l("Students with home internet fast enough for school work"),
    "mobile_only": _l("Students whose only internet at home is a phone"),
    "shared_device": _l("Students who share their home device with others"),
    "no_quiet_place": _l("Students without a quiet place to work at home"),
}


def counts_of(enrollment: Enrollment) -> tuple[str, ...]:
    """The counts the enrollment's module asks for; empty when it asks for none."""
    spec = (enrollment.module.evidence or {}).get("access_inventory") or ()
    if isinstance(spec, Mapping):
        spec = spec.get("counts") or ()
    return tuple(key for key in spec if key in COUNT_LABELS)


def inventory_of(session: DbSession, enrollment: Enrollment) -> ClassInventory | None:
    found: ClassInventory | None = session.scalar(
        select(ClassInventory).where(ClassInventory.enrollment_id == enrollment.id)
    )
    return found


def save(
    session: DbSession,
    user: User,
    enrollment: Enrollment,
    students: int,
    counts: Mapping[str, int],
    shared: bool,
) -> ClassInventory:
    """Keep the class's counts and the teacher's sharing choice (withdrawn by saving
    it unticked). No count may exceed the number of students."""
    wanted = counts_of(enrollment)
    if not wanted:
        raise InvalidInput(str(_l("This module does not ask for an access inventory.")))
    if not 1 <= students <= MAX_STUDENTS:
        raise InvalidInput(
            str(_l("Give the number of students in the class, from 1 to 500.")),
            field="students",
        )
    kept: dict[str, int] = {}
    for key in wanted:
        value = counts.get(key)
        if value is None or not 0 <= value <= students:
            raise InvalidInput(
                str(
                    _l(
                        "Each count is a whole number from 0 to the number of "
                        "students in the class."
                    )
                ),
                field=key,
            )
        kept[key] = value
    record = inventory_of(session, enrollment)
    if record is None:
        record = ClassInventory(
            enrollment_id=enrollment.id,
            user_id=user.id,
            module_slug=enrollment.module.slug,
            students=students,
        )
        session.add(record)
    record.students = students
    record.counts = kept
    record.district_id = user.district_id
    record.school_id = user.school_id
    record.updated_at = utcnow()
    if shared and not record.shared:
        record.shared_at = utcnow()
    if not shared:
        record.shared_at = None
    record.shared = shared
    session.flush()
    return record


@dataclass(frozen=True)
class SchoolPicture:
    school: School
    classes: int
    students: int
    #: By count id: (the number of students, their share of all students in percent);
    #: empty when fewer than MIN_CLASSES classes contribute.
    counts: dict[str, tuple[int, int]]

    @property
    def shown(self) -> bool:
        return self.classes >= MIN_CLASSES


def district_picture(session: DbSession, district: District) -> list[SchoolPicture]:
    """Each school of ``district`` with the classes its teachers chose to share; the
    counts only where at least MIN_CLASSES classes contribute."""
    rows = session.scalars(
        select(ClassInventory).where(
            ClassInventory.district_id == district.id,
            ClassInventory.shared.is_(True),
            ClassInventory.school_id.is_not(None),
        )
    ).all()
    by_school: dict[int, list[ClassInventory]] = {}
    for row in rows:
        by_school.setdefault(row.school_id or 0, []).append(row)
    pictures: list[SchoolPicture] = []
    for school in sorted(district.schools, key=lambda s: s.name):
        classes = by_school.get(school.id, [])
        students = sum(c.students for c in classes)
        counts: dict[str, tuple[int, int]] = {}
        if len(classes) >= MIN_CLASSES and students:
            for key in COUNT_LABELS:
                having = [c for c in classes if key in c.counts]
                if len(having) < MIN_CLASSES:
                    continue
                total = sum(c.counts[key] for c in having)
                base = sum(c.students for c in having)
                counts[key] = (total, round(100 * total / base) if base else 0)
        pictures.append(
            SchoolPicture(
                school=school,
                classes=len(classes),
                students=students if len(classes) >= MIN_CLASSES else 0,
                counts=counts,
            )
        )
    return pictures
