"""The start-up benchmark runs; the command line's help loads none of the heavy libraries, and a
search loads none of the modules that only other commands need."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
ROOT = BENCHMARKS.parent

# What ``archive search`` never needs: the table models, and SQLModel, pydantic and SQLAlchemy's ORM
# under them (a search reads the tables as the database declares them: archive/store/reflected.py);
# the collection format's models and its YAML reader; the writers of the index's documents and builds
# (with multiprocessing); Alembic;
# the accounts (and their password hashing), and the tables of the published records and of the
# rate limits. Other commands import them when they run.
NOT_ON_THE_SEARCH_PATH = ("archive.store.models", "sqlmodel", "pydantic", "sqlalchemy.orm",
                          "archive.collection.format", "archive.collection.vocabulary", "yaml",
                          "archive.search.documents", "archive.search.build_writer",
                          "archive.search.whoosh_writing", "multiprocessing", "alembic",
                          "archive.access.accounts", "argon2",
                          "archive.store.published", "archive.store.rate_limit_table", "archive.store.database")


def test_startup_benchmark_smoke(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCHMARKS / "startup.py"), "--smoke"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| command | median wall s | median CPU s | target wall s |" in done.stdout
    for command in ("archive --help", "archive search WORD"):
        row = re.search(rf"^\| {re.escape(command)} \| (\d+\.\d\d) \| (\d+\.\d\d) \| \d\.\d \|$", done.stdout, re.M)
        assert row, (command, done.stdout)
        assert float(row.group(1)) > 0, done.stdout
    assert "heavy libraries loaded by `archive --help`: none" in done.stdout, done.stdout
    assert "heavy libraries loaded by `archive search WORD`: " in done.stdout, done.stdout


def test_a_search_loads_none_of_what_only_other_commands_need(imported_data_home: Path) -> None:
    """A search in a fresh interpreter, as ``archive search`` runs, with hits of every kind the
    query finds (quotes, people, a relative): the modules it loaded leave out each one above."""
    probe = ("import json, sys\n"
             "from click.testing import CliRunner\n"
             "from archive.cli.main import main\n"
             f"done = CliRunner().invoke(main, ['--home', {str(imported_data_home)!r}, 'search', 'camp OR stalin',"
             " '--json'])\n"
             "print(json.dumps({'exit': done.exit_code, 'output': done.output,"
             f" 'loaded': [m for m in {NOT_ON_THE_SEARCH_PATH!r} if m in sys.modules]}}))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["exit"] == 0, answer["output"]
    kinds = {hit["kind"] for hit in json.loads(answer["output"])["hits"]}
    assert {"quote", "person", "relative"} <= kinds, kinds
    assert answer["loaded"] == [], answer["loaded"]
