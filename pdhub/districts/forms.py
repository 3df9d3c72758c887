"""District forms: schools, invitations, roles, the district and its time zone,
roster uploads and assignments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

STAFF_ROLE_CHOICES = [
    SelectChoice("teacher", _l("Teacher")),
    SelectChoice("coach", _l("Coach")),
    SelectChoice("school_leader", _l("School leader")),
]


class SchoolForm(FlaskForm):
    name = StringField(
        _l("School name"),
        validators=[DataRequired(_l("Enter the school's name.")), Length(max=160)],
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter their email address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)
    school = SelectField(_l("School"), coerce=str, choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=STAFF_ROLE_CHOICES)


class DistrictTimeZoneForm(FlaskForm):
    """One IANA zone name, checked by ``accounts.timezones`` in the service."""

    time_zone = StringField(
        _l("Time zone"),
        description=_l(
            "People in the district see dates and times in this time zone unless "
            "they choose their own on their account page."
        ),
    )


class DistrictForm(DistrictTimeZoneForm):
    name = StringField(
        _l("District name"),
        validators=[DataRequired(_l("Enter the district's name.")), Length(max=160)],
    )


class RosterUploadForm(FlaskForm):
    users = FileField(
        _l("Staff file (CSV)"),
        description=_l(
            "A OneRoster users.csv, or a CSV with the columns name, email, school "
            "and role (teacher, coach or school leader). An optional language "
            "column (en or es) sets the language of the invitation."
        ),
    )
    orgs = FileField(
        _l("Schools file (OneRoster orgs.csv, optional)"),
        description=_l("With a OneRoster users.csv: the schools its people belong to."),
    )


class AssignmentForm(FlaskForm):
    module = SelectField(_l("Module"), choices=[])
    due = DateField(
        _l("Due date"),
        validators=[DataRequired(_l("Enter the due date."))],
    )
    target = RadioField(
        _l("Who"),
        choices=[
            SelectChoice("everyone", _l("Every teacher in the district")),
            SelectChoice("school", _l("The teachers of one school")),
            SelectChoice("people", _l("Particular people")),
        ],
        default="everyone",
    )
    # Checked by the service (only for "one school"); empty otherwise.
    school = SelectField(_l("School"), coerce=str, choices=[], validate_choice=False)
    people = TextAreaField(
        _l("People's email addresses"),
        description=_l("For particular people: one email address per line."),
        validators=[Optional(), Length(max=100_000)],
    )


class CreditPolicyForm(FlaskForm):
    unit = RadioField(
        _l("Credit is counted in"),
        choices=[
            SelectChoice("hours", _l("Hours")),
            SelectChoice("points", _l("Points")),
            SelectChoice("ceus", _l("CEUs (continuing education units)")),
        ],
        default="hours",
    )
    # Month names come from Babel in the reader's language (set by the view).
    year_start_month = SelectField(
        _l("The school year starts in"), coerce=int, choices=[], default=7
    )
    two_stage = BooleanField(
        _l("A school leader approves learning done elsewhere before the district does"),
        description=_l(
            "Requests from a school without a school leader come straight to the "
            "district."
        ),
    )


class ExternalLearningForm(FlaskForm):
    title = StringField(
        _l("Title"),
        description=_l("For example: State literacy conference, or EDU 512 (course)."),
        validators=[
            DataRequired(_l("Enter the title of the learning.")),
            Length(max=200),
        ],
    )
    provider = StringField(
        _l("Provider"),
        description=_l("Who ran it: a university, an association, a company."),
        validators=[DataRequired(_l("Enter who provided it.")), Length(max=200)],
    )
    started_on = DateField(
        _l("First day"), validators=[DataRequired(_l("Enter the first day."))]
    )
    ended_on = DateField(
        _l("Last day"), validators=[DataRequired(_l("Enter the last day."))]
    )
    hours = DecimalField(
        _l("Hours"),
        places=None,
        validators=[
            DataRequired(_l("Enter the number of hours, for example 6 or 7.5.")),
            NumberRange(0.25, 500, _l("Enter a number of hours from 0.25 to 500.")),
        ],
    )
    description = TextAreaField(
        _l("What you learned (optional)"),
        validators=[Optional(), Length(max=4000)],
    )
    certificate = FileField(
        _l("Certificate or proof of attendance"),
        description=_l("A PDF or an image (PNG, JPEG, GIF or WebP)."),
    )


class DecisionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for returning it"),
        description=_l("The teacher sees this and can correct the request."),
        validators=[Optional(), Length(max=2000)],
    )


class HoursTargetForm(FlaskForm):
    # The school years offered come from the district's calendar (set by the view).
    year = SelectField(_l("School year"), coerce=int, choices=[])
    hours = DecimalField(
        _l("Hours each teacher should earn"),
        description=_l("Platform hours and approved learning done elsewhere count."),
        places=None,
        validators=[
            InputRequired(_l("Give a number of hours.")),
            NumberRange(min=0, max=1000, message=_l("Give 0 to 1000 hours.")),
        ],
    )


class RosterConnectionForm(FlaskForm):
    """A OneRoster 1.2 REST provider (the service checks the addresses)."""

    base_url = StringField(
        _l("Rostering base URL"),
        description=_l(
            "The OneRoster 1.2 rostering address, for example "
            "https://sis.example.org/ims/oneroster/rostering/v1p2"
        ),
        validators=[DataRequired(_l("Enter the base URL.")), Length(max=500)],
    )
    token_url = StringField(
        _l("Token URL"),
        description=_l("Where PD Hub asks for an access token (OAuth 2.0)."),
        validators=[DataRequired(_l("Enter the token URL.")), Length(max=500)],
    )
    client_id = StringField(
        _l("Client id"),
        validators=[DataRequired(_l("Enter the client id.")), Length(max=255)],
    )
    client_secret = PasswordField(
        _l("Client secret"),
        description=_l("Kept encrypted. Leave empty to keep the saved secret."),
        validators=[Optional(), Length(max=1000)],
    )
    schedule = RadioField(
        _l("Sync on a schedule"),
        choices=[
            SelectChoice("off", _l("Off: only when I ask")),
            SelectChoice("daily", _l("Daily: apply the roster once a day")),
        ],
        default="off",
        validators=[InputRequired(_l("Choose how often to sync."))],
    )
