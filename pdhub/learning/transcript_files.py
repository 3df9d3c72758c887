"""A teacher's transcript as files: the PDF (a QR code to each credential's verify
page) and the district's part of the CSV. Platform hours, the credit the district
grants for them and learning done elsewhere that the district approved stay apart,
as in the ledger (pdhub.districts.ledger), in the reader's language."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

import segno
from flask_babel import format_date, format_decimal, ngettext
from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import select

from pdhub.accounts.models import User
from pdhub.credentials import service as credentials
from pdhub.credentials.images import BRAND, _latin1
from pdhub.credentials.models import Award, IssuedCredential
from pdhub.db import DbSession, utcnow
from pdhub.districts import credit, external, ledger
from pdhub.districts.models import District, ExternalLearning, ExternalStatus
from pdhub.exports import Cell
from pdhub.learning.localized import title_in
from pdhub.learning.models import Enrollment, EnrollmentStatus, Module
from pdhub.learning.service import WorkshopRow, workshop_rows, workshop_total


@dataclass(frozen=True)
class Entry:
    """A completed module, its hours, and its credential's verify page (if any)."""

    module: str
    version: int
    hours: float
    completed: datetime
    counted: bool
    status: str
    verify_url: str | None


@dataclass
class Transcript:
    user: User
    district: District | None
    entries: list[Entry]
    platform_hours: float
    by_year: ledger.TeacherLedger
    approved_elsewhere: list[ExternalLearning]
    unit_name: str
    workshops: list[WorkshopRow] = field(default_factory=list)

    @property
    def workshop_hours(self) -> float:
        """Hours of workshop badges the district awarded, not revoked."""
        return workshop_total(self.workshops)

    @property
    def external_hours(self) -> float:
        return sum(record.hours for record in self.approved_elsewhere)

    @property
    def credit_years(self) -> list[ledger.YearLine]:
        """School years with credit from the district, newest first."""
        return [
            year
            for year in self.by_year.years
            if year.figures.salary_credit or year.figures.recertification_credit
        ]


def _standing(revoked: datetime | None, suspended: datetime | None) -> str:
    if revoked:
        return str(_("Revoked"))
    if suspended:
        return str(_("Suspended"))
    return str(_("Valid"))


def transcript(session: DbSession, user: User, language: str) -> Transcript:
    """Everything the transcript files show for ``user``, in a fixed number of
    queries; module titles in ``language``."""
    entries = []
    for module, completed, credential, revoked, suspended in session.execute(
        select(
            Module,
            Enrollment.completed_at,
            IssuedCredential,
            IssuedCredential.revoked_at,
            IssuedCredential.suspended_at,
        )
        .join(Enrollment.module)
        .outerjoin(Award, Award.enrollment_id == Enrollment.id)
        .outerjoin(IssuedCredential, IssuedCredential.current_award_id == Award.id)
        .where(
            Enrollment.user_id == user.id,
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.completed_at.is_not(None),
        )
        .order_by(Enrollment.completed_at, Module.title)
    ):
        if completed is None:
            continue
        entries.append(
            Entry(
                title_in(module, language),
                module.version,
                module.hours,
                completed,
                not revoked and not suspended,
                _standing(revoked, suspended),
                credentials.verify_url(credential) if credential else None,
            )
        )
    district = session.get(District, user.district_id) if user.district_id else None
    policy = credit.policy_for(session, district.id) if district else None
    return Transcript(
        user,
        district,
        entries,
        sum(entry.hours for entry in entries if entry.counted),
        ledger.teacher_ledger(session, user),
        [
            record
            for record in external.mine(session, user)
            if record.status is ExternalStatus.APPROVED
        ],
        credit.unit_name(policy.unit) if policy else _("hours"),
        workshop_rows(session, user),
    )


def district_rows(found: Transcript) -> list[list[Cell]]:
    """The CSV's rows after the platform total: the district's credit by school
    year and approved learning done elsewhere, each under its own heading (none
    at all for a teacher who has neither)."""
    rows: list[list[Cell]] = []
    if found.credit_years:
        rows += [
            [],
            [
                _("District credit by school year"),
                _("Salary credit (%(unit)s)", unit=found.unit_name),
                _("Recertification credit (%(unit)s)", unit=found.unit_name),
            ],
        ]
        rows += [
            [
                year.label,
                f"{year.figures.salary_credit:g}",
                f"{year.figures.recertification_credit:g}",
            ]
            for year in found.credit_years
        ]
    if found.approved_elsewhere:
        rows += [
            [],
            [
                _("Learning done elsewhere, approved by the district"),
                _("Provider"),
                _("Hours"),
                _("From"),
                _("To"),
            ],
        ]
        rows += [
            [
                record.title,
                record.provider,
                f"{record.hours:g}",
                record.started_on.isoformat(),
                record.ended_on.isoformat(),
            ]
            for record in found.approved_elsewhere
        ]
        rows.append(
            [_("Total approved hours done elsewhere"), "", f"{found.external_hours:g}"]
        )
    return rows


# --- the PDF ----------------------------------------------------------------------

QR_SIZE = 16  # millimetres
LINE = 6


def _qr_png(url: str) -> io.BytesIO:
    image = io.BytesIO()
    segno.make(url, error="m").save(image, kind="png", scale=4, border=1)
    image.seek(0)
    return image


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > 250:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 13)
    pdf.set_text_color(*BRAND)
    pdf.cell(0, 8, _latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(30, 30, 30)
    pdf.set_font("Helvetica", "", 10)


def _hours(value: float) -> str:
    return str(
        ngettext(
            "%(hours)s hour",
            "%(hours)s hours",
            1 if value == 1 else 2,
            hours=format_decimal(value),
        )
    )


def transcript_pdf(found: Transcript) -> bytes:
    """An A4 transcript in the reader's language: each completed module with a QR
    code to its credential's verify page, then the district's credit and approved
    learning done elsewhere, each with its own total."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    title = _("Professional learning transcript")
    pdf.set_title(_latin1(f"{title} - {found.user.name}"))
    pdf.set_author("PD Hub")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_text_color(*BRAND)
    pdf.cell(0, 10, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(30, 30, 30)
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, LINE, _latin1(found.user.name), new_x="LMARGIN", new_y="NEXT")
    if found.district is not None:
        pdf.cell(0, LINE, _latin1(found.district.name), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        LINE,
        _latin1(_("Made on %(date)s", date=format_date(utcnow(), "long"))),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    _heading(pdf, _("Modules completed on PD Hub"))
    if not found.entries:
        pdf.cell(0, LINE, _latin1(_("No modules completed yet.")))
        pdf.ln(LINE)
    for entry in found.entries:
        if pdf.get_y() > 265:
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(140, LINE, _latin1(entry.module), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        status = entry.status if entry.counted else _("%(status)s: not counted",
                                                     status=entry.status)  # fmt: skip
        pdf.multi_cell(
            140,
            5,
            _latin1(
                _(
                    "Completed %(date)s · %(hours)s · badge %(status)s",
                    date=format_date(entry.completed, "medium"),
                    hours=_hours(entry.hours),
                    status=status.lower(),
                )
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if entry.verify_url:
            pdf.set_text_color(*BRAND)
            pdf.set_font("Helvetica", "", 7)
            pdf.multi_cell(
                140,
                4,
                _latin1(_("Verify: %(url)s", url=entry.verify_url)),
                link=entry.verify_url,
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_text_color(30, 30, 30)
            pdf.image(
                _qr_png(entry.verify_url),
                x=175,
                y=top,
                w=QR_SIZE,
                h=QR_SIZE,
                link=entry.verify_url,
            )
        pdf.set_y(max(pdf.get_y(), top + QR_SIZE + 2))
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(
        0,
        LINE,
        _latin1(
            _(
                "Platform PD hours counted: %(hours)s",
                hours=_hours(found.platform_hours),
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )

    if found.workshops:
        _heading(pdf, _("Workshops and sessions"))
        for workshop in found.workshops:
            pdf.set_font("Helvetica", "B", 10)
            pdf.multi_cell(0, LINE, _latin1(workshop.name), new_x="LMARGIN",
                           new_y="NEXT")  # fmt: skip
            pdf.set_font("Helvetica", "", 9)
            standing = workshop.status_label
            if not workshop.counted:
                standing = _("%(status)s: not counted", status=standing)
            pdf.multi_cell(
                0,
                5,
                _latin1(
                    _(
                        "Session %(date)s · %(hours)s · badge %(status)s",
                        date=format_date(workshop.session_date, "medium"),
                        hours=_hours(workshop.hours),
                        status=standing.lower(),
                    )
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(
            0,
            LINE,
            _latin1(
                _(
                    "Workshop PD hours counted: %(hours)s",
                    hours=_hours(found.workshop_hours),
                )
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.cell(
            0,
            LINE,
            _latin1(
                _(
                    "Total PD hours counted: %(hours)s",
                    hours=_hours(found.platform_hours + found.workshop_hours),
                )
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    if found.credit_years:
        _heading(pdf, _("Credit granted by the district"))
        for year in found.credit_years:
            pdf.cell(
                0,
                LINE,
                _latin1(
                    _(
                        "%(year)s: salary credit %(salary)s, recertification "
                        "credit %(recert)s (%(unit)s)",
                        year=year.label,
                        salary=format_decimal(year.figures.salary_credit),
                        recert=format_decimal(year.figures.recertification_credit),
                        unit=found.unit_name,
                    )
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )

    if found.approved_elsewhere:
        _heading(pdf, _("Learning done elsewhere, approved by the district"))
        for record in found.approved_elsewhere:
            pdf.multi_cell(
                0,
                5,
                _latin1(
                    _(
                        "%(title)s (%(provider)s), %(start)s to %(end)s: %(hours)s",
                        title=record.title,
                        provider=record.provider,
                        start=format_date(record.started_on, "medium"),
                        end=format_date(record.ended_on, "medium"),
                        hours=_hours(record.hours),
                    )
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(
            0,
            LINE,
            _latin1(
                _(
                    "Approved hours done elsewhere: %(hours)s",
                    hours=_hours(found.external_hours),
                )
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0,
        4,
        _latin1(
            _(
                "Platform hours, district credit and learning done elsewhere are "
                "counted apart. Scan a code to check that credential on PD Hub."
            )
        ),
    )
    return bytes(pdf.output())
