"""``archive check`` names the database it looks at, and on PostgreSQL checks what can be checked
of a server (it answers, the schema is current); backup and restore refuse PostgreSQL in one line.

Real databases: an SQLite file and a throw-away PostgreSQL cluster (``tests/postgres_server.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import make_url

from archive.cli.main import main
from archive.facade import Archive
from archive.health import database_damage
from tests.postgres_server import PostgresServer
from tests.support import FIXTURES


def check(home: Path, url: str) -> Any:
    return CliRunner().invoke(main, ["--home", str(home), "--database-url", url, "check", str(FIXTURES / "collection")])


def imported(home: Path, url: str) -> None:
    archive = Archive.open(home, url)
    try:
        archive.import_collection(FIXTURES / "collection")
    finally:
        archive.close()


def test_check_names_the_database_it_looks_at(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    imported(home, database_url)
    result = check(home, database_url)
    assert result.exit_code == 0, result.output
    url = make_url(database_url)
    named = (f"SQLite file {home / 'archive.sqlite3'}" if url.get_backend_name() == "sqlite"
             else f"PostgreSQL database {url.database} on {url.host}:{url.port}")
    assert f"the archive's database: {named}" in result.output
    assert "consistent with the database" in result.output


def test_an_unreachable_server_is_one_line_and_no_restore(tmp_path: Path, postgres_server: PostgresServer) -> None:
    """A server that does not answer (a closed port): the check says so and names no restore;
    the URL's password is never shown."""
    url = f"postgresql+psycopg://archive:s3cret-synthetic@127.0.0.1:{postgres_server.port + 1}/archive"
    (tmp_path / "home").mkdir()
    result = check(tmp_path / "home", url)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("database: ")]
    assert len(lines) == 1 and "cannot be reached" in lines[0], result.output
    assert f"PostgreSQL database archive on 127.0.0.1:{postgres_server.port + 1}" in lines[0]
    assert "s3cret" not in result.output and "archive restore" not in result.output


def test_a_schema_that_is_not_current_is_named(tmp_path: Path, postgresql_url: str) -> None:
    imported(tmp_path / "home", postgresql_url)
    assert database_damage(postgresql_url) == []
    archive = Archive.open(tmp_path / "home", postgresql_url)
    try:
        with archive.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE person DROP COLUMN private_notes")
    finally:
        archive.close()
    [damage] = database_damage(postgresql_url)
    assert "column person.private_notes" in damage.detail and "archive db upgrade" in damage.detail


def test_backup_and_restore_refuse_postgresql_in_one_line(tmp_path: Path, postgresql_url: str) -> None:
    home = tmp_path / "home"
    imported(home, postgresql_url)
    for args in (["backup", str(tmp_path / "backup")], ["restore", str(tmp_path)]):
        result = CliRunner().invoke(main, ["--home", str(home), "--database-url", postgresql_url, *args])
        assert result.exit_code != 0
        [line] = [line for line in result.output.splitlines() if line.strip()]
        assert "SQLite database files only" in line and "pg_dump" in line, result.output
    assert not (tmp_path / "backup").exists()
