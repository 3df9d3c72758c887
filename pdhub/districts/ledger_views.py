"""Credit, approvals and the hours ledger: the district's pages (on the districts
blueprint, under /district) and the teacher's learning done elsewhere (under
/transcript, on its own blueprint)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.dates import get_month_names
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from pdhub.accounts.auth import roles_required
from pdhub.accounts.models import Role
from pdhub.audit import service as audit
from pdhub.audit.models import AuditAction
from pdhub.districts import credit, external, ledger
from pdhub.districts.assignments import Scope, scope_for
from pdhub.districts.forms import (
    CreditPolicyForm,
    DecisionForm,
    ExternalLearningForm,
)
from pdhub.districts.models import CreditUnit, District, ExternalStatus
from pdhub.districts.views import bp
from pdhub.errors import DomainError, PermissionDenied
from pdhub.exports import csv_stream
from pdhub.extensions import db
from pdhub.forms import saving, show_error
from pdhub.learning.localized import current_language
from pdhub.privacy import encryption
from pdhub.submissions import storage
from pdhub.templating import NAVIGATION, NavItem

external_bp = Blueprint("external", __name__, url_prefix="/transcript/external")

NAVIGATION.append(
    NavItem(_l("Credit"), "districts.credit_page", frozenset({Role.DISTRICT_ADMIN}))
)
NAVIGATION.append(
    NavItem(
        _l("Approvals"),
        "districts.approvals",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    )
)
NAVIGATION.append(
    NavItem(
        _l("Hours ledger"),
        "districts.ledger_page",
        frozenset({Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER}),
    )
)

#: Teachers shown on the ledger page; the CSV has all of them.
LEDGER_PAGE_ROWS = 200


def _district() -> District:
    district = db.session.get(District, current_user.district_id or 0)
    if district is None:
        abort(404)
    return district


def _scope() -> Scope:
    try:
        return scope_for(current_user)
    except PermissionDenied:
        abort(404)


# --- credit -----------------------------------------------------------------------


def _policy_form(district: District, formdata: bool = True) -> CreditPolicyForm:
    policy = credit.policy_for(db.session, district.id)
    form = CreditPolicyForm(
        prefix="policy",
        formdata=None if not formdata else request.form or None,
        data={
            "unit": policy.unit.value,
            "year_start_month": policy.year_start_month,
            "two_stage": policy.two_stage,
        },
    )
    months = get_month_names("wide", locale=get_locale())
    form.year_start_month.choices = [
        SelectChoice(number, str(months[number]).capitalize())
        for number in range(1, 13)
    ]
    return form


def _render_credit(
    district: District,
    *,
    policy_form: CreditPolicyForm | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    policy = credit.policy_for(db.session, district.id)
    return render_template(
        "districts/credit.html",
        district=district,
        policy=policy,
        unit_heading=credit.unit_name(policy.unit),
        policy_form=policy_form or _policy_form(district, formdata=False),
        rows=credit.credit_table(db.session, district),
        values=values,
        errors=errors or {},
        table_form=DecisionForm(prefix="t"),
    ), status


@bp.get("/credit")
@roles_required(Role.DISTRICT_ADMIN)
def credit_page() -> Any:
    return _render_credit(_district())


@bp.post("/credit/settings")
@roles_required(Role.DISTRICT_ADMIN)
def credit_settings() -> Any:
    district = _district()
    form = _policy_form(district)
    if form.validate_on_submit():
        with saving(form) as saved:
            credit.save_policy(
                db.session,
                current_user,
                district,
                unit=CreditUnit(form.unit.data),
                year_start_month=int(form.year_start_month.data),
                two_stage=bool(form.two_stage.data),
            )
        if saved.ok:
            flash(_("The credit settings are saved."), "success")
            return redirect(url_for("districts.credit_page") + "#settings", 303)
    return _render_credit(district, policy_form=form, status=422)


def _parse_units(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(Decimal(text))
    except ArithmeticError:
        raise ValueError(text) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


@bp.post("/credit")
@roles_required(Role.DISTRICT_ADMIN)
def save_credit() -> Any:
    district = _district()
    if not DecisionForm(prefix="t").validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("districts.credit_page"), 303)
    rows = credit.credit_table(db.session, district)
    values = {key: value for key, value in request.form.items() if len(value) <= 40}
    errors: dict[str, str] = {}
    choices = []
    for row in rows:
        salary = f"salary-{row.slug}" in request.form
        recert = f"recert-{row.slug}" in request.form
        units_field = f"units-{row.slug}"
        try:
            units = _parse_units(request.form.get(units_field, "")[:40])
        except ValueError:
            errors[units_field] = _("Enter a number, for example 3 or 1.5.")
            continue
        if (salary or recert) and (units is None or not 0 < units <= credit.MAX_UNITS):
            errors[units_field] = _(
                "Enter a number greater than 0 and at most %(max)d.",
                max=int(credit.MAX_UNITS),
            )
            continue
        choices.append(credit.CreditChoice(row.slug, salary, recert, units))
    if errors:
        return _render_credit(district, values=values, errors=errors, status=422)
    with saving(show=False) as saved:
        counted = credit.save_credits(db.session, current_user, district, choices)
    if not saved.ok and saved.error is not None:
        errors[saved.error.field or "form"] = saved.error.message
        return _render_credit(district, values=values, errors=errors, status=422)
    flash(
        ngettext(
            "Saved: %(num)d module counts for credit.",
            "Saved: %(num)d modules count for credit.",
            counted,
        ),
        "success",
    )
    return redirect(url_for("districts.credit_page") + "#modules", 303)


# --- approvals --------------------------------------------------------------------


@bp.get("/approvals")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def approvals() -> Any:
    _scope()
    policy = credit.policy_for(db.session, current_user.district_id)
    return render_template(
        "districts/approvals.html",
        queue=external.queue(db.session, current_user),
        policy=policy,
        status_label=external.status_label,
        school_leader=current_user.role is Role.SCHOOL_LEADER,
    )


def _approval(record_id: int) -> Any:
    _scope()
    try:
        return external.get(db.session, current_user, record_id)
    except DomainError:
        abort(404)


@bp.route("/approvals/<int:record_id>", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def approval(record_id: int) -> Any:
    record = _approval(record_id)
    form = DecisionForm()
    if request.method == "POST" and form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        with saving(form) as saved:
            external.decide(
                db.session,
                current_user,
                record.id,
                approve=approve,
                reason=form.reason.data or "",
            )
        if saved.ok:
            flash(
                _("Approved: %(title)s.", title=record.title)
                if approve
                else _("Returned to %(name)s with your reason.", name=record.user.name),
                "success",
            )
            return redirect(url_for("districts.approvals"), 303)
        if saved.error is not None and saved.error.status == 409:
            flash(saved.error.message, "info")
            return redirect(url_for("districts.approval", record_id=record_id), 303)
    elif request.method == "POST":
        form.form_errors.append(_("The form expired. Please try again."))
    record = _approval(record_id)
    return render_template(
        "districts/approval.html",
        record=record,
        form=form,
        stage=external.stage_for(current_user, record),
        status_label=external.status_label,
    ), (422 if request.method == "POST" else 200)


@dataclass(frozen=True)
class _NamedFile:
    filename: str
    media_type: str


def _certificate(record: Any) -> Any:
    try:
        content = storage.file_store().read(record.certificate_key)
    except (OSError, ValueError, encryption.DecryptionError):
        abort(410)
    return storage.file_response(
        _NamedFile(record.certificate_filename, record.certificate_media_type),
        content,
        inline=False,
    )


@bp.get("/approvals/<int:record_id>/certificate")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def approval_certificate(record_id: int) -> Any:
    record = _approval(record_id)
    audit.record_view_of(
        db.session,
        AuditAction.CERTIFICATE_DOWNLOAD,
        current_user,
        record.user,
        "external_learning",
        record.id,
    )
    return _certificate(record)


# --- the ledger -------------------------------------------------------------------


def _year(district_id: int) -> int | None:
    text = request.args.get("year", "")
    if not text.isdigit():
        return None
    district = db.session.get(District, district_id)
    if district is None:
        return None
    policy = credit.policy_for(db.session, district_id)
    known = {year for year, _label in ledger.year_choices(district, policy)}
    return int(text) if int(text) in known else None


@bp.get("/ledger")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def ledger_page() -> Any:
    scope = _scope()
    found = ledger.district_ledger(db.session, scope, _year(scope.district_id))
    if found is None:
        abort(404)
    return render_template(
        "districts/ledger.html",
        ledger=found,
        rows=found.teachers[:LEDGER_PAGE_ROWS],
        years=ledger.year_choices(found.district, found.policy),
        unit=credit.unit_name(found.policy.unit),
        school_only=scope.school_only,
    )


@bp.get("/ledger.csv")
@roles_required(Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER)
def ledger_csv() -> Any:
    scope = _scope()
    found = ledger.district_ledger(db.session, scope, _year(scope.district_id))
    if found is None:
        abort(404)
    unit = credit.unit_name(found.policy.unit)
    header = [
        _("School year"),
        _("Name"),
        _("Email"),
        _("School"),
        _("Platform hours"),
        _("Workshop hours"),
        _("Salary credit (%(unit)s)", unit=unit),
        _("Recertification credit (%(unit)s)", unit=unit),
        _("External hours approved"),
        _("External hours pending"),
        _("Badges earned"),
        _("Modules in progress"),
        _("Overdue assignments"),
    ]
    rows = (
        (
            found.year_label,
            line.name,
            line.email,
            line.school_name,
            f"{line.figures.platform_hours:g}",
            f"{line.figures.workshop_hours:g}",
            f"{line.figures.salary_credit:g}",
            f"{line.figures.recertification_credit:g}",
            f"{line.figures.external_approved:g}",
            f"{line.figures.external_pending:g}",
            line.figures.badges,
            line.figures.in_progress,
            line.figures.overdue,
        )
        for line in found.teachers
    )
    return csv_stream(header, rows, f"ledger-{found.year}.csv")


# --- a teacher's learning done elsewhere ------------------------------------------


def _max_bytes() -> int:
    return int(current_app.config["PDHUB_MAX_UPLOAD_MB"]) * 1024 * 1024


def _upload(form: ExternalLearningForm) -> external.Certificate | None:
    upload = form.certificate.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    return external.Certificate(upload.filename, upload.read(_max_bytes() + 1))


def _details(form: ExternalLearningForm) -> external.Details:
    return external.Details(
        title=form.title.data or "",
        provider=form.provider.data or "",
        started_on=form.started_on.data,
        ended_on=form.ended_on.data,
        hours=float(form.hours.data or 0),
        description=form.description.data or "",
    )


def _save_external(form: ExternalLearningForm, record: Any = None) -> bool:
    with saving(form) as saved:
        external.log(
            db.session,
            current_user,
            _details(form),
            _upload(form),
            storage.file_store(),
            max_bytes=_max_bytes(),
            language=current_language(),
            record=record,
        )
    return saved.ok


@external_bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def new() -> Any:
    if current_user.district_id is None:
        abort(404)
    form = ExternalLearningForm()
    if form.validate_on_submit() and _save_external(form):
        flash(_("Sent for approval. You will be told of each decision."), "success")
        return redirect(url_for("learning.transcript") + "#elsewhere", 303)
    if request.method == "POST" and not form.errors and not form.form_errors:
        form.form_errors.append(_("The form expired. Please try again."))
    return render_template("districts/external_new.html", form=form), (
        422 if request.method == "POST" else 200
    )


def _mine(record_id: int) -> Any:
    try:
        record = external.get(db.session, current_user, record_id)
    except DomainError:
        abort(404)
    if record.user_id != current_user.id:
        abort(404)
    return record


@external_bp.route("/<int:record_id>", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def detail(record_id: int) -> Any:
    record = _mine(record_id)
    form = None
    if record.status is ExternalStatus.RETURNED:
        form = ExternalLearningForm(obj=record)
        if request.method == "POST":
            if form.validate_on_submit() and _save_external(form, record):
                flash(_("Sent again for approval."), "success")
                return redirect(url_for("learning.transcript") + "#elsewhere", 303)
            if not form.errors and not form.form_errors:
                show_error(form, DomainError(_("The form expired. Please try again.")))
    elif request.method == "POST":
        flash(_("Only returned learning can be changed and sent again."), "info")
        return redirect(url_for("external.detail", record_id=record.id), 303)
    return render_template(
        "districts/external_detail.html",
        record=record,
        form=form,
        status_label=external.status_label,
    ), (422 if request.method == "POST" else 200)


@external_bp.get("/<int:record_id>/certificate")
@roles_required(Role.TEACHER)
def certificate(record_id: int) -> Any:
    return _certificate(_mine(record_id))
