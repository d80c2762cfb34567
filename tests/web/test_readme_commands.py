"""Every command of the README's tour, run as written on the shipped collection: each ends well and
returns what its comment promises (a search names the people its comment names, and finds
something). The `curl` lines go to the site through Flask's test client, the `make` lines are the
suite itself, and a line with a placeholder in capitals (PREFIX) is run with the value it stands for.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
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


@pytest.mark.slow
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
        if command.startswith("python "):  # the synthetic interview's audio: made in a copy, not the checkout
            example = tmp_path / "example"
            made = subprocess.run([sys.executable, *shlex.split(command)[1:], "--out", str(example)], cwd=ROOT,
                                  capture_output=True, text=True, timeout=600)
            assert made.returncode == 0, f"{command}\n{made.stdout}{made.stderr}"
            continue
        if " run " in f" {command} ":  # `archive --home H run FOLDER` imports, then serves: import, then ask
            _run_and_open(command, tmp_path / "example", tmp_path / "example-home")
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


def _run_and_open(command: str, example: Path, home: Path) -> None:
    """`archive --home H run examples/synthetic-interview` on the copy made with its audio: the import
    succeeds and the interview page the README links answers, with its recording."""
    from webapp import create_app

    assert "examples/synthetic-interview" in command, command
    imported = CliRunner().invoke(main, ["--home", str(home), "import", str(example)])
    assert imported.exit_code == 0, f"{command}\n{imported.output}"
    link = re.search(r"<http://127\.0\.0\.1:5000(/interviews/[^>]+)>", README.read_text(encoding="utf-8"))
    assert link, "the README links the interview page"
    app = create_app({"ARCHIVE_HOME": str(home), "SECRET_KEY": "readme-test-key-0123456789"})
    try:
        page = app.test_client().get(link.group(1))
        assert page.status_code == 200 and "<audio" in page.get_data(as_text=True), link.group(1)
    finally:
        app.extensions["archive"].close()


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
