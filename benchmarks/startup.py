#!/usr/bin/env python3
"""How quickly the command line answers: ``archive --help`` and ``archive search WORD``.

Each command runs as a user runs it, a new process from the shell, ``--repeat`` times; the
table gives the median wall time and the median CPU time (user + system of the child, which
other jobs on a loaded machine do not inflate) beside the target of each.

It also lists the heavy libraries (SQLAlchemy, Whoosh, Flask, numpy, lxml…) that each command
loads: none for the help, since every command imports what it needs when it runs, and for the
search only what searching needs (SQLAlchemy's Core, numpy, Whoosh): not SQLModel, pydantic or
YAML, since a search reads the tables as the database declares them (``archive/store/reflected.py``).

The search runs on an archive imported first into a temporary home, from the shipped
collection (``data/``) or, with ``--smoke``, from the small synthetic test collection.

    python benchmarks/startup.py
    python benchmarks/startup.py --repeat 9 --word лагерь
    python benchmarks/startup.py --smoke
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "sqlmodel", "whoosh", "flask", "werkzeug", "numpy", "lxml", "citeproc", "yaml", "argon2",
         "pydantic", "babel", "waitress")
TARGETS = {"archive --help": 0.5, "archive search WORD": 1.0}


def archive_command() -> list[str]:
    """The installed ``archive`` script beside this Python, else the module run by this Python."""
    script = Path(sys.executable).parent / "archive"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "archive.cli.main"]


def timed_run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command``; a failure stops the benchmark with its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_modules_loaded(arguments: list[str], env: dict[str, str]) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after the command line has run ``arguments``."""
    probe = ("import sys\n"
             "from click.testing import CliRunner\n"
             "from archive.cli.main import main\n"
             f"done = CliRunner().invoke(main, {arguments!r})\n"
             "assert done.exit_code == 0, done.output\n"
             f"print(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120, check=True)
    return done.stdout.split()


def import_archive(home: Path, collection: Path, env: dict[str, str]) -> None:
    done = subprocess.run([*archive_command(), "--home", str(home), "import", str(collection)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)
    if done.returncode != 0:
        sys.exit(f"importing {collection} failed:\n{done.stdout}{done.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each command (the median is shown).")
    parser.add_argument("--word", default="camp", help="The word searched for.")
    parser.add_argument("--collection", type=Path, default=ROOT / "data", help="The collection searched.")
    parser.add_argument("--smoke", action="store_true",
                        help="One run each, on the small synthetic test collection (for the test suite).")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat, args.collection = 1, ROOT / "tests" / "fixtures" / "collection"

    work = Path(tempfile.mkdtemp(prefix="archive-startup-"))
    # Each command runs with its bytecode, as a user's second run does: written by the first run, into
    # the benchmark's own folder (the tree is left as it was), even where PYTHONDONTWRITEBYTECODE is set.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               PYTHONPYCACHEPREFIX=str(work / "bytecode"))
    try:
        home = work / "home"
        import_archive(home, args.collection, env)
        commands = {
            "archive --help": [*archive_command(), "--help"],
            "archive search WORD": [*archive_command(), "--home", str(home), "search", args.word],
        }
        print(f"# Command-line start-up ({args.repeat} run(s) each; collection {args.collection.name}, "
              f"word {args.word!r})\n")
        print("| command | median wall s | median CPU s | target wall s |")
        print("| --- | ---: | ---: | ---: |")
        for name, command in commands.items():
            timed_run(command, env)  # the first run fills the page cache and writes the bytecode
            runs = [timed_run(command, env) for _ in range(args.repeat)]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {TARGETS[name]:.1f} |")
        print()
        for name, command in commands.items():
            heavy = heavy_modules_loaded(command[len(archive_command()):], env)
            print(f"heavy libraries loaded by `{name}`: {', '.join(heavy) if heavy else 'none'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
