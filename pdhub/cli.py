"""The ``pdhub`` command: thin wrappers over the services, on the app's own data."""

from __future__ import annotations

import os
import shlex
import sys
from getpass import getpass

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import run_simple

from pdhub.extensions import db


def _create_app() -> Flask:
    from pdhub import create_app
    from pdhub.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(f"Configuration problem: {error}") from None


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
)
def main() -> None:
    """PD Hub: micro-credentials for teachers' professional learning."""


def init_app(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(worker)
    from pdhub.credentials.cli import credentials, keys

    app.cli.add_command(credentials)
    app.cli.add_command(keys)

    app.cli.add_command(modules)
    app.cli.add_command(validate_equity)
    app.cli.add_command(translations)


def totp_command(secret: str) -> str:
    """A shell command that prints the current sign-in code for ``secret``: run by
    this interpreter, which has pyotp (a bare ``python`` outside the virtual
    environment has not)."""
    code = f'import pyotp; print(pyotp.TOTP("{secret}").now())'
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option(
    "--no-serve", is_flag=True, help="Prepare the data, print the sign-ins, exit."
)
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Set up the instance folder, database, modules and demo accounts, then serve."""
    from pdhub.demo import prepare_demo
    from pdhub.i18n import LANGUAGES

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Instance folder: {app.instance_path}")
    if app.config.get("PDHUB_STORAGE_URL"):
        click.echo(
            f"Files: {app.config['PDHUB_STORAGE_URL']} at "
            f"{app.config['PDHUB_STORAGE_ENDPOINT'] or 'Amazon S3'} (encrypted)"
        )
    if not os.environ.get("PDHUB_BASE_URL"):
        # Credentials name their status lists by this origin: make it the one served.
        app.config["PDHUB_BASE_URL"] = f"http://{host}:{port}"
    site = prepare_demo(app)
    base = f"http://{host}:{port}"
    click.echo(
        f"Modules from {app.config['PDHUB_MODULES_PATH']}: {site.modules} "
        f"({site.modules_changed} new or changed)"
    )
    click.echo("")
    click.echo(f"PD Hub is ready at {base}")
    click.echo(f"Demo district: {site.district_name} (join code {site.join_code})")
    click.echo(
        "Demo sign-ins. Staff accounts use two-factor sign-in: add the TOTP secret"
    )
    click.echo(
        "to an authenticator app, or run the command under it for the current code."
    )
    for account in site.accounts:
        line = (
            f"  {account.role.label:<24} {account.email:<28} "
            f"password: {account.password}"
        )
        if account.totp_secret:
            line += f"   TOTP secret: {account.totp_secret}"
        if account.language:
            language = LANGUAGES.get(account.language, account.language)
            line += f"   reads PD Hub in {language}"
        click.echo(line)
        if account.language:
            click.echo(f"      open: {base}/signin?lang={account.language}")
        if account.totp_secret:
            click.echo(f"      code: {totp_command(account.totp_secret)}")
    if no_serve:
        return
    click.echo("")
    # app.run() refuses to serve inside the flask CLI; serve with werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    type=click.Choice(["teacher", "coach", "district_admin", "admin"]),
    default="teacher",
    show_default=True,
)
@click.option("--district", "district_name", help="The district's exact name.")
@click.option("--password", help="Prompted for when left out.")
@with_appcontext
def create_user(
    email: str, name: str, role: str, district_name: str | None, password: str | None
) -> None:
    """Create an account (staff roles set up two-factor at first sign-in)."""
    from pdhub.accounts.models import Role
    from pdhub.accounts.service import register_user
    from pdhub.districts.models import District
    from pdhub.errors import DomainError

    district = None
    if district_name:
        district = db.session.scalar(
            select(District).where(District.name == district_name)
        )
        if district is None:
            raise click.ClickException(f"No district is named {district_name!r}.")
    if password is None:
        password = getpass("Password: ")
    try:
        user = register_user(
            db.session,
            email=email,
            name=name,
            password=password,
            role=Role(role),
            district=district,
            email_verified=True,  # the operator vouches for the address
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.label.lower()} {user.email} (id {user.id}).")


@click.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--beat", is_flag=True, help="Also run the periodic sweeps (one worker only)."
)
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(beat: bool, concurrency: int, celery_args: tuple[str, ...]) -> None:
    """Start a Celery worker on PDHUB_REDIS_URL."""
    if not os.environ.get("PDHUB_REDIS_URL"):
        raise click.ClickException(
            "PDHUB_REDIS_URL is not set: without Redis, jobs run inside the web "
            "process "
            "and no worker is needed."
        )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.app",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "-Q",
        os.environ.get("PDHUB_TASK_QUEUE", "pdhub"),
    ]
    if beat:
        command.append("--beat")
    command.extend(celery_args)
    # Become the worker (same pid): a SIGTERM from systemd, Docker or a shell then
    # reaches Celery itself, which finishes its jobs (warm shutdown); a child would be
    # orphaned and keep consuming.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)  # noqa: S606 - fixed argv, no shell


@click.group()
def modules() -> None:
    """Validate and import module packages (folders with a module.yaml)."""


def _package_folders(paths: tuple[str, ...]) -> list[str]:
    from pdhub.learning.importer import package_folders

    folders: list[str] = []
    for path in paths:
        found = package_folders(path)
        if found:
            folders.extend(str(folder) for folder in found)
        else:  # checked as it is, so the missing module.yaml is reported
            folders.append(path)
    return folders


@modules.command("validate")
@click.argument("paths", nargs=-1)
def validate_modules(paths: tuple[str, ...]) -> None:
    """Check module folders (the installed catalog when none is named); print every
    problem as file:line: field: message."""
    from pdhub.config import MODULES_PATH
    from pdhub.learning.packages import validate_package

    failed = 0
    for folder in _package_folders(paths or (str(MODULES_PATH),)):
        problems = validate_package(folder)
        for problem in problems:
            click.echo(str(problem))
        failed += bool(problems)
        click.echo(
            f"{folder}: " + (f"{len(problems)} problem(s)" if problems else "ok"),
            err=bool(problems),
        )
    if failed:
        raise SystemExit(1)


@click.command("equity-validate")
@click.argument("folder", required=False)
def validate_equity(folder: str | None) -> None:
    """Check the digital equity self-assessment (equity/self-assessment.yaml and its
    translations; the installed one when no folder is named)."""
    from pathlib import Path

    from pdhub.equity.instrument import validate

    problems = validate(Path(folder) if folder else None)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("ok")


@modules.command("import")
@click.argument("paths", nargs=-1)
@with_appcontext
def import_modules(paths: tuple[str, ...]) -> None:
    """Import module folders (idempotent; the configured catalog, PDHUB_MODULES_PATH,
    when none is named); a changed module becomes a new version."""
    from pdhub.learning.importer import ImportOutcome, import_folder
    from pdhub.learning.packages import LoadError, validate_package

    folders = _package_folders(paths or (current_app.config["PDHUB_MODULES_PATH"],))
    broken = 0
    for folder in folders:
        problems = validate_package(folder)
        for problem in problems:
            click.echo(str(problem))
        broken += bool(problems)
    if broken:
        click.echo(f"Nothing imported: {broken} module(s) have problems.", err=True)
        raise SystemExit(1)
    outcomes: list[ImportOutcome] = []
    try:
        for folder in folders:
            outcomes.append(import_folder(db.session, folder))
        db.session.commit()
    except LoadError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    for outcome in outcomes:
        click.echo(
            f"{outcome.module.slug}: {outcome.change} "
            f"(version {outcome.module.version})"
        )


if __name__ == "__main__":
    main()


@click.group()
def translations() -> None:
    """The gettext catalogs in pdhub/translations (for developers)."""


@translations.command("update")
def translations_update() -> None:
    """Extract messages from the code and add new ones to every messages.po."""
    from pdhub import i18n

    i18n.update()
    click.echo(
        "Updated. Translate the new entries, then run: pdhub translations compile"
    )


@translations.command("compile")
def translations_compile() -> None:
    """Compile every messages.po into the messages.mo the app reads."""
    from pdhub import i18n

    i18n.compile_catalogs()


@translations.command("check")
@click.argument("language", default="es")
def translations_check(language: str) -> None:
    """Exit 1 and list what is missing, fuzzy or stale in LANGUAGE."""
    from pdhub import i18n

    found = i18n.problems(language)
    for line in found:
        click.echo(line)
    if found:
        raise SystemExit(1)
    click.echo(f"{language}: complete")
