"""Credential pages: My badges, the public credential page and its files, the
issuer/achievement/status-list/DID documents, and the administrators' status page."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pdhub.accounts.auth import roles_required
from pdhub.accounts.forms import ConfirmForm
from pdhub.accounts.models import Role
from pdhub.credentials import (
    achievements,
    forms,
    keys,
    policies,
    renewal,
    service,
    status,
)
from pdhub.credentials.models import IssuedCredential, StatusList
from pdhub.endorsements import service as endorsements
from pdhub.errors import DomainError
from pdhub.extensions import db
from pdhub.forms import saving, show_error
from pdhub.learning.models import Module
from pdhub.pathways import service as pathways
from pdhub.workshops import service as workshops

bp = Blueprint("credentials", __name__)

JSON_LD = "application/vc+ld+json"
DOWNLOADS = {
    "json": JSON_LD,
    "jwt": "application/vc+jwt",
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}


def _public(response: Response) -> Response:
    # Verifiers (wallets, other sites' scripts) read these documents cross-origin.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _document(text: str, mimetype: str = "application/json") -> Response:
    response = Response(text, mimetype=mimetype)
    response.set_etag(hashlib.sha256(text.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)  # changes the response itself
    return _public(response)


def _viewable(credential_id: str) -> IssuedCredential:
    try:
        credential = service.get_credential(db.session, credential_id)
    except DomainError:
        abort(404)
    if not policies.can_view(current_user, credential):
        abort(404)  # a private credential is indistinguishable from a missing one
    return credential


# --- My badges ----------------------------------------------------------------


@bp.get("/badges")
@roles_required(*Role)
def my_badges() -> Any:
    credentials = service.credentials_of(db.session, current_user)
    return render_template(
        "credentials/my_badges.html",
        credentials=credentials,
        milestones=pathways.milestones_of(db.session, current_user),
        share_form=forms.ShareForm(),
        reissue_form=ConfirmForm(prefix="reissue"),
        renew_form=ConfirmForm(prefix="renew"),
        can_renew=renewal.can_renew,
        service=service,
        workshop_awards=workshops.awards_of(db.session, current_user),
    )


def _own_credential(credential_id: str) -> Any:
    """The signed-in teacher's own credential; 404 for anyone else's, or none."""
    try:
        credential = service.get_credential(db.session, credential_id)
    except DomainError:
        abort(404)
    if credential.user_id != current_user.id:
        abort(404)
    return credential


@bp.post("/badges/<credential_id>/share")
@roles_required(*Role)
def share(credential_id: str) -> Any:
    credential = _own_credential(credential_id)
    form = forms.ShareForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Please use the Share button again."), "error")
        return redirect(url_for("credentials.my_badges"), 303)
    shared = form.shared.data == "on"
    service.set_shared(db.session, current_user, credential, shared)
    db.session.commit()
    if shared:
        flash(
            _("Your badge is shared: anyone with the link can see it and check it."),
            "success",
        )
    else:
        flash(_("Sharing is off: only you can see this badge's page now."), "success")
    return redirect(url_for("credentials.my_badges") + f"#badge-{credential.id}", 303)


@bp.post("/badges/<credential_id>/name")
@roles_required(*Role)
def name_in_badge(credential_id: str) -> Any:
    credential = _own_credential(credential_id)
    form = forms.NameForm()
    if not form.validate_on_submit():
        flash(_("That did not work. Please use the button again."), "error")
        return redirect(url_for("credentials.credential", name=credential.id), 303)
    named = form.named.data == "on"
    with saving(show=False) as saved:
        current = service.set_name_in_credential(
            db.session, current_user, credential, named
        )
    if (error := saved.error) is not None:
        flash(error.message, "error")
        return redirect(url_for("credentials.credential", name=credential.id), 303)
    if current.id != credential.id:
        flash(
            _(
                "Your badge was reissued with your name in it. Download the new "
                "files: the old ones are replaced."
            )
            if named
            else _(
                "Your badge was reissued without your name. Download the new files: "
                "the old ones are replaced."
            ),
            "success",
        )
    return redirect(url_for("credentials.credential", name=current.id), 303)


@bp.post("/badges/<credential_id>/reissue")
@roles_required(*Role)
def reissue_to_me(credential_id: str) -> Any:
    credential = _own_credential(credential_id)
    if not ConfirmForm(prefix="reissue").validate_on_submit():
        flash(_("That did not work. Please use the button again."), "error")
        return redirect(url_for("credentials.my_badges"), 303)
    with saving(show=False) as saved:
        replacement = service.reissue_to_current_email(
            db.session, current_user, credential
        )
    if (error := saved.error) is not None:
        flash(error.message, "error")
        return redirect(url_for("credentials.my_badges"), 303)
    flash(
        _(
            "Your badge is reissued to %(email)s. The old one still verifies.",
            email=current_user.email,
        ),
        "success",
    )
    return redirect(url_for("credentials.my_badges") + f"#badge-{replacement.id}", 303)


@bp.post("/badges/<credential_id>/renew")
@roles_required(*Role)
def renew(credential_id: str) -> Any:
    """Open the renewal of a badge that expires soon: its knowledge check again."""
    credential = _own_credential(credential_id)
    if not ConfirmForm(prefix="renew").validate_on_submit():
        flash(_("That did not work. Please use the button again."), "error")
        return redirect(url_for("credentials.my_badges"), 303)
    with saving(show=False) as saved:
        started = renewal.start(db.session, current_user, credential)
    if (error := saved.error) is not None:
        flash(error.message, "error")
        return redirect(url_for("credentials.my_badges"), 303)
    if renewal.by_reflection(credential):
        return redirect(
            url_for("renewals.reflection", credential_id=credential.id), 303
        )
    flash(
        _(
            "Pass the knowledge check again and your renewed badge is issued, "
            "pointing back to this one."
        ),
        "success",
    )
    return redirect(url_for("learning.quiz", enrollment_id=started.enrollment_id), 303)


# --- the credential and its files ---------------------------------------------


@bp.get("/credentials/<name>")
def credential(name: str) -> Any:
    credential_id, dot, extension = name.partition(".")
    if dot and extension not in DOWNLOADS:
        abort(404)
    credential = _viewable(credential_id)
    if not dot:
        module = credential.award.module
        return render_template(
            "credentials/credential.html",
            credential=credential,
            module=module,
            words=service.own_words(credential),
            document=credential.document,
            image=achievements.badge_image_data_url(module),
            is_owner=current_user.is_authenticated
            and current_user.id == credential.user_id,
            named=service.named_in(credential),
            name_form=forms.NameForm(),
            wallet_form=ConfirmForm(prefix="wallet"),
            service=service,
            endorsements=endorsements.for_module(db.session, module.id),
        )
    if extension == "json":
        response = _document(credential.credential_json, JSON_LD)
    elif extension == "jwt":
        token = service.download(db.session, credential, "jwt").decode("ascii")
        db.session.commit()  # the first download keeps what it made
        response = _document(token, DOWNLOADS["jwt"])
    elif extension == "pdf":
        response = _public(
            Response(service.certificate(credential), mimetype=DOWNLOADS["pdf"])
        )
    else:
        body = service.download(db.session, credential, extension)
        db.session.commit()  # the first download keeps what it baked
        response = _public(Response(body, mimetype=DOWNLOADS[extension]))
    if request.args.get("download"):
        slug = credential.award.module.slug
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{slug}-{credential.id[:8]}.{extension}"'
        )
    if not credential.shared:
        response.headers["Cache-Control"] = "private, no-store"
    return response


# --- public documents ---------------------------------------------------------


@bp.get("/status-lists/<int:list_id>")
def status_list(list_id: int) -> Any:
    found = db.session.get(StatusList, list_id)
    if found is None:
        abort(404)
    signed_before = found.signed_json is not None
    text = status.served_document(db.session, found)
    if not signed_before:
        db.session.commit()
    return _document(text, JSON_LD)


@bp.get("/.well-known/did.json")
def did_json() -> Any:
    document = keys.did_document(db.session)
    if document is None:
        abort(404)  # the embedded default names its issuer with did:key
    db.session.commit()  # the first request may have created the first key
    return _document(json.dumps(document, indent=2), "application/did+json")


@bp.get("/issuers/<issuer_id>")
def issuer(issuer_id: str) -> Any:
    if issuer_id != "pdhub":
        abort(404)
    signer_did = keys.did_web_issuer()
    profile: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **keys.issuer_profile(
            signer_did or keys.current_key(db.session).did_key
        ).to_json(),
    }
    if signer_did is None:
        # did:key: each key is its own DID, valid for what it signed.
        profile["otherIdentifier"] = [
            {
                "type": "IdentifierEntry",
                "identifier": key.did_key,
                "identifierType": "identifier",
            }
            for key in keys.all_keys(db.session)
        ]
    db.session.commit()
    return _document(json.dumps(profile, indent=2))


@bp.get("/achievements/<key>")
def achievement(key: str) -> Any:
    parsed = achievements.parse_achievement_key(key)
    if parsed is None:
        abort(404)
    slug, version, language = parsed
    module = db.session.scalar(
        select(Module).where(Module.slug == slug, Module.version == version)
    )
    if module is None or language not in achievements.editions(module):
        abort(404)
    document = achievements.achievement_for(module, language).to_json()
    endorsed = [
        found.document
        for found in endorsements.for_module(db.session, module.id)
        if found.achievement_id == document["id"]
    ]
    if endorsed:
        document["endorsement"] = endorsed
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **document,
    }
    return _document(json.dumps(document, indent=2))


# --- administrators -----------------------------------------------------------


@bp.get("/admin/credentials")
@roles_required(Role.ADMIN)
def admin_index() -> Any:
    email = request.args.get("email", "").strip()
    credentials = service.list_credentials(db.session, email=email or None, limit=200)
    return render_template(
        "credentials/admin_index.html",
        credentials=credentials,
        milestones=pathways.list_milestones(db.session, email=email or None),
        email=email,
    )


@bp.route("/admin/credentials/<credential_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_credential(credential_id: str) -> Any:
    try:
        credential = service.get_credential(db.session, credential_id)
    except DomainError:
        abort(404)
    form = forms.StatusForm()
    valid = form.validate_on_submit()
    if valid:
        action = form.action.data
        reason = form.reason.data or ""
        note = form.note.data or None
        if action == "revoke" and form.confirmed.data != "yes":
            # Revoking cannot be undone: check the reason now, then ask once more
            # (a page of its own, so it works without JavaScript).
            try:
                service.check_reason(reason, note)
            except DomainError as error:
                show_error(form, error)
                valid = False
            else:
                return render_template(
                    "credentials/admin_confirm.html",
                    credential=credential,
                    form=form,
                    action=action,
                )
    if valid:
        with saving(form) as saved:
            if action == "revoke":
                service.revoke_credential(
                    db.session, current_user, credential, reason, note
                )
                message = _(
                    "The credential is revoked. Verifiers now see it as revoked, and "
                    "the teacher was told."
                )
            elif action == "suspend":
                service.suspend_credential(
                    db.session, current_user, credential, reason, note
                )
                message = _("The credential is suspended, and the teacher was told.")
                if not service.publishes_suspension(credential):
                    message += " " + _(
                        "It was issued before suspensions were published, so only "
                        "PD Hub's own verifier reports it suspended."
                    )
            elif action == "unsuspend":
                service.unsuspend_credential(db.session, current_user, credential)
                message = _("The suspension is lifted, and the teacher was told.")
            else:
                replacement = service.reissue_credential(
                    db.session, current_user, credential, reason
                )
                message = _(
                    "A corrected credential was issued (%(id)s).", id=replacement.id
                )
        if saved.ok:
            flash(message, "success")
            return redirect(
                url_for("credentials.admin_credential", credential_id=credential.id),
                303,
            )
    return render_template(
        "credentials/admin_credential.html",
        credential=credential,
        form=form,
        service=service,
    ), (422 if form.errors or form.form_errors else 200)
