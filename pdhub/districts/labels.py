"""Role names as the district pages and emails say them, in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _

from pdhub.accounts.models import Role


def role_name(role: Role | str) -> str:
    """The role's name, capitalised as in a table ("School leader")."""
    names = {
        Role.TEACHER: _("Teacher"),
        Role.COACH: _("Coach"),
        Role.DISTRICT_ADMIN: _("District administrator"),
        Role.ADMIN: _("Platform administrator"),
        Role.SCHOOL_LEADER: _("School leader"),
    }
    return str(names[Role(role)])


def role_in_sentence(role: Role | str) -> str:
    """The role with its article, inside a sentence ("a school leader")."""
    names = {
        Role.TEACHER: _("a teacher"),
        Role.COACH: _("a coach"),
        Role.DISTRICT_ADMIN: _("a district administrator"),
        Role.ADMIN: _("a platform administrator"),
        Role.SCHOOL_LEADER: _("a school leader"),
    }
    return str(names[Role(role)])
