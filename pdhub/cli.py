"""The ``pdhub`` command: thin wrappers over the services, on the app's own data."""

from __future__ import annotations

import os
import subprocess
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


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def main() -> None:
    """PD Hub: micro-credentials for teachers' professional learning."""


def init_app(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(worker)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the data, print the sign-ins, exit.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    """Set up the instance folder, database, modules and demo accounts, then serve."""
    from pdhub.demo import prepare_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Instance folder: {app.instance_path}")
    site = prepare_demo(app)
    base = f"http://{host}:{port}"
    click.echo("")
    click.echo(f"PD Hub is ready at {base}")
    click.echo(f"Demo district: {site.district_name} (join code {site.join_code})")
    click.echo("Demo sign-ins. Staff accounts use two-factor sign-in: add the TOTP secret")
    click.echo("to an authenticator app, or print the current code with")
    click.echo("  python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"")
    for account in site.accounts:
        line = f"  {account.role.label:<24} {account.email:<28} password: {account.password}"
        if account.totp_secret:
            line += f"   TOTP secret: {account.totp_secret}"
        click.echo(line)
    if no_serve:
        return
    click.echo("")
    # Not app.run(): Flask ignores it inside a Flask CLI command (FLASK_RUN_FROM_CLI).
    run_simple(host, port, app, threaded=True)


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["teacher", "coach", "district_admin", "admin"]),
              default="teacher", show_default=True)
@click.option("--district", "district_name", help="The district's exact name.")
@click.option("--password", help="Prompted for when left out.")
@with_appcontext
def create_user(email: str, name: str, role: str, district_name: str | None,
                password: str | None) -> None:
    """Create an account (staff roles set up two-factor at first sign-in)."""
    from pdhub.accounts.models import Role
    from pdhub.accounts.service import register_user
    from pdhub.districts.models import District
    from pdhub.errors import DomainError

    district = None
    if district_name:
        district = db.session.scalar(select(District).where(District.name == district_name))
        if district is None:
            raise click.ClickException(f"No district is named {district_name!r}.")
    if password is None:
        password = getpass("Password: ")
    try:
        user = register_user(db.session, email=email, name=name, password=password,
                             role=Role(role), district=district)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.label.lower()} {user.email} (id {user.id}).")


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--beat", is_flag=True, help="Also run the periodic sweeps (one worker only).")
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(beat: bool, concurrency: int, celery_args: tuple[str, ...]) -> None:
    """Start a Celery worker on PDHUB_REDIS_URL."""
    if not os.environ.get("PDHUB_REDIS_URL"):
        raise click.ClickException(
            "PDHUB_REDIS_URL is not set: without Redis, jobs run inside the web process "
            "and no worker is needed."
        )
    command = [sys.executable, "-m", "celery", "-A", "workers.app", "worker",
               "--loglevel", "INFO", "--concurrency", str(concurrency),
               "-Q", os.environ.get("PDHUB_TASK_QUEUE", "pdhub")]
    if beat:
        command.append("--beat")
    command.extend(celery_args)
    sys.exit(subprocess.call(command))  # noqa: S603 - fixed argv, no shell


if __name__ == "__main__":
    main()
