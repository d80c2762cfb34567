"""``archive user …``: researcher and archivist accounts and their API tokens (``archive.access.accounts``).

Passwords are read from a hidden prompt, or from standard input for scripts, never from
the command line (where ``ps`` and the shell history would keep them). Tokens are printed
once, when issued; listings show only their prefixes, never a hash.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click

from archive.cli.context import Context, LazyChoice, pass_context

# archive.access.accounts (argon2, SQLModel) is imported by each command when it runs, so that
# the help of the command line does not load it.

password_stdin_option = click.option(
    "--password-stdin", is_flag=True,
    help="Read the password from the first line of standard input (for scripts) instead of prompting.",
)


@contextmanager
def _account_errors() -> Iterator[None]:
    from archive.access import accounts

    try:
        yield
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    return password


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@click.group("user")
def user() -> None:
    """Researcher and archivist accounts for the web site and the API.

    \b
    Example:
      archive user add vera --role researcher
      archive user token issue vera
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=LazyChoice("archive.access.accounts", "ACCOUNT_ROLES"), required=True,
              help="researcher: sees restricted and embargoed records; archivist: also the review fields.")
@password_stdin_option
@pass_context
def add_command(ctx: Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user; the password (at least 12 characters) is asked for twice.

    \b
    Example:
      archive user add vera --role researcher
      printf '%s\\n' "$PASSWORD" | archive user add vera --role researcher --password-stdin
    """
    from archive.access import accounts

    with _account_errors():
        account = accounts.add_user(ctx.archive.engine, name, role, _read_password(password_stdin))
    click.echo(f"added {account.role} {account.name}")


@user.command("remove")
@click.argument("name")
@pass_context
def remove_command(ctx: Context, name: str) -> None:
    """Remove a user and all their API tokens; their web sessions end at once.

    \b
    Example:
      archive user remove vera
    """
    from archive.access import accounts

    with _account_errors():
        accounts.remove_user(ctx.archive.engine, name)
    click.echo(f"removed {name}")


@user.command("list")
@pass_context
def list_command(ctx: Context) -> None:
    """List the users: name, role, created, active tokens (never a password hash).

    \b
    Example:
      archive user list
    """
    from archive.access import accounts

    users = accounts.list_users(ctx.archive.engine)
    if not users:
        click.echo("no users")
        return
    click.echo(f"{'name':<24} {'role':<11} {'created':<17} tokens")
    for account in users:
        disabled = "  (disabled)" if account.disabled else ""
        click.echo(f"{account.name:<24} {account.role:<11} {_when(account.created):<17} {account.tokens}{disabled}")


@user.command("passwd")
@click.argument("name")
@password_stdin_option
@pass_context
def passwd_command(ctx: Context, name: str, password_stdin: bool) -> None:
    """Set a user's password; their other web sessions end.

    \b
    Example:
      archive user passwd vera
    """
    from archive.access import accounts

    engine = ctx.archive.engine
    with _account_errors():
        accounts.get_account(engine, name)  # an unknown name before the prompt, not after
        accounts.set_password(engine, name, _read_password(password_stdin))
    click.echo(f"password of {name} changed")


@user.command("disable")
@click.argument("name")
@pass_context
def disable_command(ctx: Context, name: str) -> None:
    """Stop a user logging in or using their tokens, keeping the account.

    \b
    Example:
      archive user disable vera
    """
    from archive.access import accounts

    with _account_errors():
        accounts.set_disabled(ctx.archive.engine, name, True)
    click.echo(f"disabled {name}")


@user.command("enable")
@click.argument("name")
@pass_context
def enable_command(ctx: Context, name: str) -> None:
    """Let a disabled user log in again.

    \b
    Example:
      archive user enable vera
    """
    from archive.access import accounts

    with _account_errors():
        accounts.set_disabled(ctx.archive.engine, name, False)
    click.echo(f"enabled {name}")


@user.group("token")
def token() -> None:
    """API tokens: send one as `Authorization: Bearer TOKEN` to see the archive as its owner.

    \b
    Example:
      archive user token issue vera
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:5000/api/people
    """


@token.command("issue")
@click.argument("name")
@pass_context
def token_issue_command(ctx: Context, name: str) -> None:
    """Issue a token for a user and print it: it is shown this once only.

    \b
    Example:
      archive user token issue vera
    """
    from archive.access import accounts

    with _account_errors():
        value = accounts.issue_token(ctx.archive.engine, name)
    click.echo(value)
    click.echo(f"token {value[:accounts.PREFIX_LENGTH]} issued for {name}; it is not shown again", err=True)


@token.command("list")
@click.argument("name")
@pass_context
def token_list_command(ctx: Context, name: str) -> None:
    """A user's tokens by prefix, with when each was created and last used.

    \b
    Example:
      archive user token list vera
    """
    from archive.access import accounts

    with _account_errors():
        tokens = accounts.list_tokens(ctx.archive.engine, name)
    if not tokens:
        click.echo(f"no tokens for {name}")
        return
    click.echo(f"{'prefix':<10} {'created':<17} {'last used':<17} state")
    for info in tokens:
        state = "revoked" if info.revoked else "active"
        click.echo(f"{info.prefix:<10} {_when(info.created):<17} {_when(info.last_used):<17} {state}")


@token.command("revoke")
@click.argument("prefix")
@pass_context
def token_revoke_command(ctx: Context, prefix: str) -> None:
    """Revoke a token by its prefix (as `token list` shows it) or by its whole text.

    \b
    Example:
      archive user token revoke Xk3v9QpA
    """
    from archive.access import accounts

    with _account_errors():
        info = accounts.revoke_token(ctx.archive.engine, prefix)
    click.echo(f"revoked token {info.prefix} of {info.user}")
