"""Trust-list pages: platform administrators keep the platform's list at
/admin/trust, district administrators their district's at /district/trust."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from pdhub.accounts.auth import admin_required, roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.extensions import db
from pdhub.forms import saving
from pdhub.templating import NAVIGATION, NavItem
from pdhub.trust import service
from pdhub.trust.forms import (
    RegistryImportForm,
    TrustedIssuerEditForm,
    TrustedIssuerForm,
)

bp = Blueprint("trust", __name__)

NAVIGATION.append(
    NavItem(_l("Trusted issuers"), "trust.platform_list", frozenset({Role.ADMIN}))
)
NAVIGATION.append(
    NavItem(
        _l("Trusted issuers"), "trust.district_list", frozenset({Role.DISTRICT_ADMIN})
    )
)

#: The two lists: which district (None: the platform's) and their endpoints.
_SCOPES = {
    "platform": {
        "list": "trust.platform_list",
        "import": "trust.platform_import",
        "remove": "trust.platform_remove",
        "edit": "trust.platform_edit",
        "title": _l("Trusted issuers (whole platform)"),
        "lead": _l(
            "Credentials from these issuers are shown as verified, under the "
            "name you give, to everyone who verifies on PD Hub. This deployment's "
            "own issuer is always trusted. Each district can trust more issuers for "
            "itself."
        ),
    },
    "district": {
        "list": "trust.district_list",
        "import": "trust.district_import",
        "remove": "trust.district_remove",
        "edit": "trust.district_edit",
        "title": _l("Your district's trusted issuers"),
        "lead": _l(
            "Credentials from these issuers are shown as verified, under the "
            "name you give, when anyone in your district's administration verifies a "
            "badge, one at a time, in bulk or through the API. PD Hub's own issuer "
            "and the platform's trusted issuers count too."
        ),
    },
}


def _district_id(scope: str) -> int | None:
    return None if scope == "platform" else current_user.district_id


def _page(scope: str, form: TrustedIssuerForm, import_form: RegistryImportForm) -> Any:
    district_id = _district_id(scope)
    entries = service.entries(db.session, current_user, district_id)
    platform_entries = (
        service.entries_of_platform(db.session) if district_id is not None else []
    )
    failed = any(f.errors or f.form_errors for f in (form, import_form))
    status = 422 if failed else 200
    return render_template(
        "trust/list.html",
        scope=_SCOPES[scope],
        entries=entries,
        platform_entries=platform_entries,
        own=service.own_identifiers(db.session),
        form=form,
        import_form=import_form,
        remove_form=ConfirmForm(),
    ), status


def _add(scope: str) -> Any:
    form = TrustedIssuerForm()
    import_form = RegistryImportForm(prefix="import")
    if form.validate_on_submit():
        with saving(form) as saved:
            entry = service.add_entry(
                db.session,
                current_user,
                _district_id(scope),
                identifier=form.identifier.data or "",
                name=form.name.data or "",
                url=form.url.data,
            )
        if saved.ok:
            flash(_("%(name)s is now a trusted issuer.", name=entry.name), "success")
            return redirect(url_for(_SCOPES[scope]["list"]), 303)
    return _page(scope, form, import_form)


def _import(scope: str) -> Any:
    form = TrustedIssuerForm(formdata=None)
    import_form = RegistryImportForm(prefix="import")
    if import_form.validate_on_submit():
        with saving(import_form) as saved:
            result = service.import_registry(
                db.session,
                current_user,
                _district_id(scope),
                import_form.file.data.read(service.MAX_REGISTRY_BYTES + 1),
            )
        if saved.ok:
            flash(
                (
                    ngettext(
                        "Imported %(num)d issuer; %(kept)d already listed kept their "
                        "names.",
                        "Imported %(num)d issuers; %(kept)d already listed kept their "
                        "names.",
                        result.added,
                        kept=result.already_listed,
                    )
                    if result.already_listed
                    else ngettext(
                        "Imported %(num)d issuer.",
                        "Imported %(num)d issuers.",
                        result.added,
                    )
                ),
                "success",
            )
            return redirect(url_for(_SCOPES[scope]["list"]), 303)
    return _page(scope, form, import_form)


def _remove(scope: str, entry_id: int) -> Any:
    form = ConfirmForm()
    entry = service.entry_for(db.session, current_user, _district_id(scope), entry_id)
    if form.validate_on_submit():
        service.remove_entry(db.session, current_user, _district_id(scope), entry.id)
        db.session.commit()
        flash(_("%(name)s is no longer a trusted issuer.", name=entry.name), "success")
    return redirect(url_for(_SCOPES[scope]["list"]), 303)


def _edit(scope: str, entry_id: int) -> Any:
    entry = service.entry_for(db.session, current_user, _district_id(scope), entry_id)
    form = TrustedIssuerEditForm(obj=entry)
    if form.validate_on_submit():
        with saving(form) as saved:
            service.update_entry(
                db.session,
                current_user,
                _district_id(scope),
                entry.id,
                name=form.name.data or "",
                url=form.url.data,
            )
        if saved.ok:
            flash(_("Saved %(name)s.", name=entry.name), "success")
            return redirect(url_for(_SCOPES[scope]["list"]), 303)
    failed = bool(form.errors or form.form_errors)
    return render_template(
        "trust/edit.html", scope=_SCOPES[scope], entry=entry, form=form
    ), (422 if failed else 200)


@bp.route("/admin/trust/<int:entry_id>", methods=["GET", "POST"])
@admin_required
def platform_edit(entry_id: int) -> Any:
    return _edit("platform", entry_id)


@bp.route("/district/trust/<int:entry_id>", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def district_edit(entry_id: int) -> Any:
    return _edit("district", entry_id)


@bp.route("/admin/trust", methods=["GET", "POST"])
@admin_required
def platform_list() -> Any:
    return _add("platform")


@bp.post("/admin/trust/import")
@admin_required
def platform_import() -> Any:
    return _import("platform")


@bp.post("/admin/trust/<int:entry_id>/remove")
@admin_required
def platform_remove(entry_id: int) -> Any:
    return _remove("platform", entry_id)


@bp.route("/district/trust", methods=["GET", "POST"])
@roles_required(Role.DISTRICT_ADMIN)
def district_list() -> Any:
    return _add("district")


@bp.post("/district/trust/import")
@roles_required(Role.DISTRICT_ADMIN)
def district_import() -> Any:
    return _import("district")


@bp.post("/district/trust/<int:entry_id>/remove")
@roles_required(Role.DISTRICT_ADMIN)
def district_remove(entry_id: int) -> Any:
    return _remove("district", entry_id)
