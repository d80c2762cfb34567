"""``archive serve`` and ``archive run``: the web site on waitress (plugged into the ``archive`` CLI).

They register under the ``archive.commands`` entry-point group (see pyproject.toml), so
the core CLI never imports Flask. ``run`` is the README's run command: it imports the
collection, then serves.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from archive.cli.context import Context, pass_context, reported_problems
from archive.settings import DEFAULT_COLLECTION

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def _server_options(command):  # type: ignore[no-untyped-def]
    for option in reversed((
        click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on."),
        click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to listen on."),
        click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
                     help="Waitress worker threads."),
        click.option("--debug", is_flag=True, help="Flask's development server with the reloader and debugger."),
    )):
        command = option(command)
    return command


def _import(ctx: Context, path: Path) -> None:
    with reported_problems():
        report = ctx.archive.import_collection(path)
    for line in report.summary_lines():
        click.echo(line)


def _serve(ctx: Context, host: str, port: int, threads: int, debug: bool, create_secret_key: bool = False) -> None:
    from webapp import create_app
    from webapp.secret_key import CREATE_FLAG

    config: dict[str, object] = {"ARCHIVE_HOME": str(ctx.archive.settings.home),
                                 "DATABASE_URL": ctx.archive.settings.database_url}
    if debug:
        config["DEBUG"] = True
    if create_secret_key:
        config[CREATE_FLAG] = True  # a fresh machine's `make run` gets a key of its own, once
    try:
        app = create_app(config)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    from webapp.public_address import open_host_warning

    warning = open_host_warning(app, host)
    if warning:
        app.logger.warning(warning)  # the site's log, which `serve` and `run` print
    from archive.settings import sync_seconds_from_environment
    from webapp.views.health import follow_the_database

    try:  # the index kept in step with the database, which other nodes may import into
        follower = follow_the_database(app, sync_seconds_from_environment())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    try:
        if debug:
            _say_serving(host, port)
            app.run(host=host, port=port, debug=True, use_reloader=True)
            return
        from webapp.server import create_server

        try:  # our waitress server (its own error answers carry our headers), listening before we say so
            server = create_server(app, host=host, port=port, threads=threads, ident="red-soul-archive")
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {error.strerror or error} (another server may be using it: "
                "stop it, or choose another --port)") from None
        _say_serving(host, port)
        with _sigterm_stops_like_ctrl_c():
            server.run()
    finally:
        if follower is not None:
            follower.stop()
    click.echo("Stopped.")


def _say_serving(host: str, port: int) -> None:
    click.echo(f"Serving on http://{host}:{port}/")
    sys.stdout.flush()


def _exit_quietly(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)


@contextmanager
def _sigterm_stops_like_ctrl_c() -> Iterator[None]:
    """While serving, SIGTERM (a service manager, ``kill``) stops the server as Ctrl-C does.

    Waitress closes its sockets on KeyboardInterrupt or SystemExit and returns, so the
    command ends with status 0 and no traceback, and ``make run`` reports no error.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _exit_quietly)
    except ValueError:  # not the main thread (an embedding program): leave its signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("serve")
@click.option("--collection", "path", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION,
              show_default=True, help="The collection imported on first run, when the archive is empty.")
@_server_options
@pass_context
def serve(ctx: Context, path: Path, host: str, port: int, threads: int, debug: bool) -> None:
    """Serve the web site (waitress; on first run, import the collection into the empty archive).

    It needs a secret key (SECRET_KEY in instance/config.py, or $ARCHIVE_SECRET_KEY) and
    refuses to start without one.

    \b
    Example:
      archive serve --port 8000
    """
    if ctx.archive.is_empty():
        click.echo(f"The archive is empty: importing {path} first.")
        _import(ctx, path)
    _serve(ctx, host, port, threads, debug)


@click.command("run")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_COLLECTION)
@_server_options
@pass_context
def run(ctx: Context, path: Path, host: str, port: int, threads: int, debug: bool) -> None:
    """Import the collection at PATH (validated, idempotent), then serve the web site.

    When no secret key is configured, a random one is written to the archive home
    (secret_key, mode 0600) the first time and reused after.

    \b
    Example:
      archive run data/
    """
    _import(ctx, path)
    _serve(ctx, host, port, threads, debug, create_secret_key=True)
