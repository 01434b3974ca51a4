"""`flask user create` for setting up companies and their first owner."""

import click
from flask.cli import AppGroup

from wedding.accounts.services import (
    AccountError,
    create_api_token,
    create_user,
    find_user,
    get_or_create_org,
    revoke_api_token,
)
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


token_cli = AppGroup("token", help="API tokens for integrations.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, to recognise it later.")
def create_token_command(email: str, name: str) -> None:
    """Print a new API token for EMAIL (shown once; use it as `Authorization: Bearer ...`)."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    token, secret = create_api_token(user, name)
    db.session.commit()
    click.echo(secret)
    click.echo(
        f"(token id {token.id}; revoke with `flask --app wedding token revoke {token.id}`)",
        err=True,
    )


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke an API token at once."""
    try:
        revoke_api_token(token_id)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Token {token_id} revoked.")
