"""``pdhub credentials ...`` and ``pdhub keys ...``: thin wrappers over the services."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import IO, Any

import click
from flask.cli import with_appcontext

from pdhub.errors import DomainError
from pdhub.extensions import db
from pdhub.submissions.storage import object_store


@click.group()
def credentials() -> None:
    """List, export, verify, revoke, suspend, reinstate and reissue credentials."""


@credentials.command("list")
@click.option("--email", help="Only this teacher's credentials.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_command(email: str | None, as_json: bool) -> None:
    """List issued credentials, newest first."""
    from pdhub.credentials import service

    found = [service.summary(c) for c in service.list_credentials(db.session, email)]
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("No credentials.")
        return
    for item in found:
        click.echo(
            f"{item['id']}  {str(item['issued'])[:10]}  {item['status']:<9}  "
            f"{item['email']}  {item['achievement']}"
        )


@credentials.command("export")
@click.argument("credential_id")
@click.option(
    "--format",
    "form",
    type=click.Choice(["json", "jwt", "png", "svg"]),
    default="json",
    show_default=True,
)
@with_appcontext
def export_command(credential_id: str, form: str) -> None:
    """Write a credential to standard output exactly as issued."""
    from pdhub.credentials import service

    try:
        credential = service.get_credential(db.session, credential_id)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if form == "json":
        click.echo(credential.credential_json)
    elif form == "jwt":
        click.echo(service.download(db.session, credential, "jwt").decode("ascii"))
        db.session.commit()
    else:
        data = service.download(db.session, credential, form)
        db.session.commit()
        sys.stdout.buffer.write(bytes(data))
        sys.stdout.buffer.flush()


def _change(credential_id: str, change: Callable[[Any], object]) -> Any:
    from pdhub.credentials import service

    try:
        credential = service.get_credential(db.session, credential_id)
        change(credential)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    return credential


@credentials.command("revoke")
@click.argument("credential_id")
@click.option(
    "--reason",
    required=True,
    help="Public: the teacher and anyone with the badge's link see it.",
)
@click.option("--note", help="Internal: only administrators see it.")
@with_appcontext
def revoke_command(credential_id: str, reason: str, note: str | None) -> None:
    """Revoke a credential for good: its status list bit is set and the list
    re-signed at the address it always had; the teacher is told."""
    from pdhub.credentials import service

    credential = _change(
        credential_id,
        lambda c: service.revoke_credential(db.session, None, c, reason, note),
    )
    click.echo(f"Revoked {credential.id}: {reason}")


@credentials.command("suspend")
@click.argument("credential_id")
@click.option(
    "--reason",
    required=True,
    help="Public: the teacher and anyone with the badge's link see it.",
)
@click.option("--note", help="Internal: only administrators see it.")
@with_appcontext
def suspend_command(credential_id: str, reason: str, note: str | None) -> None:
    """Suspend a credential until it is reinstated; the teacher is told."""
    from pdhub.credentials import service

    credential = _change(
        credential_id,
        lambda c: service.suspend_credential(db.session, None, c, reason, note),
    )
    click.echo(f"Suspended {credential.id}: {reason}")
    if not service.publishes_suspension(credential):
        click.echo(
            "This credential was issued before suspensions were published in status "
            "lists: PD Hub's verifier reports it suspended, other verifiers cannot "
            "see it. Revoke or reissue it to withdraw it everywhere."
        )


@credentials.command("reinstate")
@click.argument("credential_id")
@with_appcontext
def reinstate_command(credential_id: str) -> None:
    """Lift a credential's suspension, so it verifies again; the teacher is told."""
    from pdhub.credentials import service

    credential = _change(
        credential_id,
        lambda c: service.reinstate_credential(db.session, None, c),
    )
    click.echo(f"Reinstated {credential.id}: it verifies again.")


@credentials.command("reissue")
@click.option(
    "--key",
    "key_reference",
    required=True,
    help="Reissue the current credentials this key signed (its number, "
    "public key or did:key).",
)
@with_appcontext
def reissue_command(key_reference: str) -> None:
    """Reissue, with the current key, every current credential a key signed (for
    a withdrawn key: those it signed before it leaked), through the bulk issuing
    path; each old one is revoked as replaced and its teacher told."""
    from pdhub.credentials import keys as issuer_keys
    from pdhub.credentials import service

    key = issuer_keys.find_key(db.session, key_reference)
    if key is None:
        raise click.ClickException(f"No issuer key matches {key_reference!r}.")
    try:
        result = service.reissue_signed_by(db.session, key)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(
        f"Reissued {result.reissued} credential(s) signed by key {key.id} "
        "with the current key."
    )
    if result.skipped_suspended:
        click.echo(
            f"Left {result.skipped_suspended} suspended credential(s) as they are: "
            "reinstate or revoke them first."
        )


@click.group()
def keys() -> None:
    """Manage the issuer's signing keys."""


@keys.command("rotate")
@with_appcontext
def rotate_command() -> None:
    """Make a new signing key; earlier keys stay published so old credentials verify."""
    from pdhub.credentials import keys as issuer_keys

    key = issuer_keys.rotate_key(db.session)
    db.session.commit()
    click.echo(f"New issuer key {key.public_key_multibase} ({key.did_key}).")
    click.echo("Earlier credentials keep verifying with their own keys.")


@keys.command("rotate-data-key")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1))
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="Stop after re-encrypting this many items (run again to go on).",
)
@with_appcontext
def rotate_data_key_command(batch_size: int, limit: int | None) -> None:
    """Re-encrypt everything under the newest PDHUB_DATA_KEY (the first one listed),
    committing each batch. Items already under it are skipped, so running it again
    resumes an interrupted run. Afterwards the older keys can be removed."""
    from pdhub.privacy import rotation

    budget = limit
    for kind in rotation.VERSIONED:
        cursor: int | None = 0
        rotated = 0
        while cursor is not None and budget != 0:
            size = batch_size if budget is None else min(batch_size, budget)
            result = rotation.rotate_versioned(db.session, kind, cursor, size)
            db.session.commit()
            rotated += result.rotated
            if budget is not None:
                budget -= result.rotated
            cursor = result.cursor if isinstance(result.cursor, int) else None
        click.echo(f"{kind}: {rotated} re-encrypted.")
    for kind in rotation.COLUMNS:
        cursor = 0
        rotated = skipped = 0
        while cursor is not None and budget != 0:
            size = batch_size if budget is None else min(batch_size, budget)
            result = rotation.rotate_rows(db.session, kind, cursor, size)
            db.session.commit()
            rotated += result.rotated
            skipped += result.skipped
            if budget is not None:
                budget -= result.rotated
            cursor = result.cursor if isinstance(result.cursor, int) else None
        click.echo(f"{kind}: {rotated} re-encrypted, {skipped} already current.")
    rotated = skipped = 0
    bucket = object_store()
    rotate_one: Callable[[Any], bool] = rotation.rotate_file
    names: Iterable[Any] = rotation.stored_files()
    if bucket is not None:  # files in an object store: the same, object by object
        names, rotate_one = bucket.object_names(), rotation.rotate_object(bucket)
    for path in names:
        if budget == 0:
            break
        if rotate_one(path):
            rotated += 1
            if budget is not None:
                budget -= 1
        else:
            skipped += 1
    click.echo(f"stored files: {rotated} re-encrypted, {skipped} already current.")
    if budget == 0:
        click.echo("Stopped at the limit; run the command again to go on.")
    else:
        click.echo("Done: everything is under the newest data key.")


@keys.command("list")
@with_appcontext
def list_keys_command() -> None:
    """List every issuer key, current, retired or withdrawn."""
    from pdhub.credentials import keys as issuer_keys

    for key in issuer_keys.all_keys(db.session):
        if key.withdrawn_at is not None:
            state = f"withdrawn (compromised {key.compromised_at:%Y-%m-%dT%H:%M:%SZ})"
        elif key.retired_at is not None:
            state = "retired"
        else:
            state = "current"
        click.echo(f"{key.id}  {key.did_key}  {state}")


@keys.command("revoke")
@click.argument("key_reference", metavar="KEY")
@click.option(
    "--compromised-at",
    required=True,
    help="When the key leaked (ISO 8601, e.g. 2026-12-01T09:00:00Z); credentials "
    "it signed from then on stop verifying.",
)
@with_appcontext
def revoke_key_command(key_reference: str, compromised_at: str) -> None:
    """Withdraw a leaked issuer KEY (its number, public key or did:key)."""
    from badges.dates import parse_date_time
    from pdhub.credentials import keys as issuer_keys

    try:
        moment = parse_date_time(compromised_at.strip())
    except ValueError:
        raise click.ClickException(
            "Give --compromised-at as an ISO 8601 time with a zone, "
            "e.g. 2026-12-01T09:00:00Z."
        ) from None
    key = issuer_keys.find_key(db.session, key_reference)
    if key is None:
        raise click.ClickException(f"No issuer key matches {key_reference!r}.")
    try:
        new_key = issuer_keys.withdraw_key(db.session, key, moment)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(
        f"Withdrew key {key.id} ({key.did_key}): it is no longer listed for "
        "assertionMethod, and credentials it signed from "
        f"{moment:%Y-%m-%dT%H:%M:%SZ} on no longer verify."
    )
    if new_key is not None:
        click.echo(f"New current key {new_key.id} ({new_key.did_key}).")
    click.echo(
        f"Reissue what it signed before with: pdhub credentials reissue --key {key.id}"
    )


@credentials.command("verify")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--status-list",
    "status_lists",
    multiple=True,
    type=click.File("rb"),
    help="A status list credential file (repeatable); without it a "
    "credential with a status entry cannot be verified offline.",
)
@click.option(
    "--trust-issuer",
    "trusted",
    multiple=True,
    metavar="DID",
    help="Trust this issuer (a DID, or https://host for did:web); repeatable.",
)
@click.option(
    "--trust-registry",
    "registries",
    multiple=True,
    type=click.File("rb"),
    help="Trust the issuers of a DCC issuer-registry JSON file; repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def verify_credential_file(
    file: IO[Any],
    status_lists: tuple[IO[Any], ...],
    trusted: tuple[str, ...],
    registries: tuple[IO[Any], ...],
    as_json: bool,
) -> None:
    """Verify a credential FILE offline (JSON, JWT, PNG or SVG).

    No network is used: keys must be did:key (or this deployment's did:web), this
    deployment's status lists are read from its database, others' from
    --status-list files. The issuer counts as trusted when it is this deployment's
    own, on the platform's trust list (both read from the database when it can be
    reached), or given with --trust-issuer or --trust-registry; otherwise a valid
    credential is reported as from an issuer you have not listed. Exit 0 if
    verified, 2 if authentic but its status could not be checked, 1 otherwise.
    """
    import json as json_lib

    from pdhub.trust import service as trust_service
    from pdhub.verification.models import Verdict
    from pdhub.verification.offline import verify_offline

    try:
        trust = _cli_trust(trusted, registries)
        outcome = verify_offline(
            file.read(),
            [handle.read() for handle in status_lists],
            session=db.session,
            trust=trust,
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.session.rollback()  # verifying reads; nothing it did is kept
    if as_json:
        click.echo(json_lib.dumps(outcome.to_json(), indent=2))
    else:
        click.echo(f"{outcome.verdict.label.upper()}: {file.name}")
        issuer = outcome.issuer
        if issuer.trusted and issuer.match is not None:
            click.echo(
                f"  Issuer: {issuer.match.name} ({issuer.identifier}; "
                f"{trust_service.LIST_LABELS[issuer.match.source]})"
            )
        elif issuer.identifier:
            claim = (
                f'; it claims to be "{issuer.claimed_name}", not confirmed'
                if issuer.claimed_name
                else ""
            )
            click.echo(f"  Issuer: NOT LISTED {issuer.identifier}{claim}")
        for check in outcome.checks:
            mark = "PASS" if check.passed else "FAIL"
            click.echo(f"  [{mark}] {check.name}: {check.detail}")
    sys.exit(
        0
        if outcome.verified
        else 2
        if outcome.verdict is Verdict.STATUS_NOT_CHECKED
        else 1
    )


def _cli_trust(trusted: tuple[str, ...], registries: tuple[IO[Any], ...]) -> Any:
    """This deployment's identifiers and platform list (when the database answers),
    with the issuers given on the command line."""
    from sqlalchemy.exc import SQLAlchemyError

    from pdhub.trust import service as trust_service

    try:
        trust = trust_service.trust_list(db.session, None)
    except SQLAlchemyError:
        db.session.rollback()
        click.echo(
            "Note: the database could not be read, so only issuers given with "
            "--trust-issuer or --trust-registry are trusted.",
            err=True,
        )
        trust = trust_service.TrustList()
    given = [(identifier, identifier) for identifier in trusted]
    for handle in registries:
        given += [
            (identifier, name)
            for identifier, name, _ in trust_service.parse_registry(handle.read())
        ]
    return trust_service.extra_trust(trust, given, trust_service.COMMAND_LINE)
