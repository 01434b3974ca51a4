"""`flask user create` for setting up companies and their first owner."""

import click
from flask.cli import AppGroup

from wedding.accounts.services import AccountError, create_user, get_or_create_org
from wedding.models import db

user_cli = AppGroup("user", help="Manage staff accounts.")


@user_cli.command("create")
@click.argument("email")
@click.option("--org", "org_name", required=True, help="The planner company (created if new).")
@click.option(
    "--role",
    type=click.Choice(["owner", "planner", "viewer"]),
    default="planner",
    show_default=True,
)
@click.option("--name", default="", help="The person's name as shown to colleagues.")
@click.password_option(envvar="WEDDING_USER_PASSWORD", help="Asked for when not given.")
def create_user_command(email: str, org_name: str, role: str, name: str, password: str) -> None:
    """Create a staff account in a planner company."""
    try:
        org = get_or_create_org(org_name)
        user = create_user(org, email, password, role=role, name=name)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} in {org.name} (id {user.id}).")
