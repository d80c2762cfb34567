"""Every command of the README's tour, run as written on the shipped collection: each ends well and
returns what its comment promises (a search names the people its comment names, and finds
something). The `curl` lines go to the site through Flask's test client, the `make` lines are the
suite itself, and a line with a placeholder in capitals (PREFIX) is run with the value it stands for.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archive.cli.main import main
from tests.support import DATA, ROOT, copy_home

README = ROOT / "README.md"
PASSWORD = "readme-password-0123456789"


def _readme_commands() -> list[tuple[str, str]]:
    """(command, comment) of each line of the README's ``sh`` blocks, in order."""
    lines: list[tuple[str, str]] = []
    in_block = False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```sh"
            continue
        if in_block and line.strip():
            command, _, comment = line.partition(" # ")
            lines.append((command.strip(), comment.strip()))
    return lines


def _people_names() -> list[str]:
    return [yaml.safe_load(p.read_text(encoding="utf-8"))["name"] for p in (DATA / "people").glob("*.yaml")]


def test_the_readme_has_a_tour_to_test() -> None:
    commands = [c for c, _ in _readme_commands()]
    assert sum(c.startswith("archive search") for c in commands) >= 3
    assert any(c.startswith("curl") for c in commands)


def test_every_readme_command_ends_well_and_keeps_its_promise(imported_data_home: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    home = copy_home(imported_data_home, tmp_path / "home")
    monkeypatch.chdir(ROOT)  # the tour runs from the top of the checkout (archive check data/)
    monkeypatch.setenv("ARCHIVE_SECRET_KEY", "readme-test-key-0123456789")
    runner = CliRunner()
    names = _people_names()
    token = ""
    out = tmp_path / "out"
    out.mkdir()
    for command, comment in _readme_commands():
        if command.startswith("make "):
            continue  # `make test` is this suite; `make run` serves what the curl lines ask
        if command.startswith("curl"):
            _curl(home, command, token)
            continue
        args = shlex.split(command)[1:]
        args = [str(out / a) if a.endswith((".csv", ".zip")) else a for a in args]
        if "PREFIX" in args:
            listed = runner.invoke(main, ["--home", str(home), "user", "token", "list", "vera"])
            args[args.index("PREFIX")] = listed.output.strip().splitlines()[-1].split()[0]  # the newest token
        result = runner.invoke(main, ["--home", str(home), *args], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code == 0, f"{command}\n{result.output}"
        if args[:3] == ["user", "token", "issue"]:
            token = result.output.strip().splitlines()[0].strip()  # then a line saying it is not shown again
        if args[0] == "search":
            assert not result.output.startswith("0 result"), f"{command} finds nothing"
            assert "0 result(s)" not in result.output.splitlines()[0:2], f"{command} finds nothing"
            for name in names:
                if re.search(rf"\b{re.escape(name)}\b", comment, flags=re.I):
                    assert name in result.output, f"{command}: the comment promises {name}\n{result.output}"


def _curl(home: Path, command: str, token: str) -> None:
    from webapp import create_app

    args = shlex.split(command.replace("$TOKEN", token))
    url = next(a for a in args if a.startswith("http"))
    headers = dict(h.split(": ", 1) for h in (args[i + 1] for i, a in enumerate(args) if a == "-H"))
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": "readme-test-key-0123456789"})
    try:
        response = app.test_client().get(url.split("5000", 1)[1], headers=headers)
        assert response.status_code == 200, f"{command}: {response.status_code}"
    finally:
        app.extensions["archive"].close()
