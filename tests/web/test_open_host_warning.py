"""A site that listens beyond this machine with neither ARCHIVE_BASE_URL nor TRUSTED_HOSTS set
answers any host a request names: `archive serve` says so in one line at start-up (in its output
and the site's log), and says nothing when the site is configured or listens on loopback only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import FIXTURES, ROOT, import_into

WARNING = "with neither ARCHIVE_BASE_URL nor TRUSTED_HOSTS set"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_into(tmp_path_factory.mktemp("open-host") / "home", FIXTURES / "collection")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_up_output(home: Path, host: str, **environment: str) -> str:
    """What `archive serve` prints until it is serving, then stopped."""
    env = {k: v for k, v in os.environ.items() if k not in ("ARCHIVE_BASE_URL", "ARCHIVE_HOME")}
    env.update(PYTHONPATH=str(ROOT), ARCHIVE_SECRET_KEY="open-host-test-key-0123456789abcdef", **environment)
    command = [sys.executable, "-c", "from archive.cli.main import main; main()", "--home", str(home),
               "serve", "--host", host, "--port", str(_free_port())]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        assert server.stdout is not None
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Serving on"):
                break
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert any(line.startswith("Serving on") for line in lines), "".join(lines)
    return "".join(lines)


@pytest.mark.slow
def test_serving_every_address_unconfigured_warns_in_one_line(home: Path) -> None:
    output = _start_up_output(home, "0.0.0.0")
    warned = [line for line in output.splitlines() if WARNING in line]
    assert len(warned) == 1, output
    assert "0.0.0.0" in warned[0] and "docs/configuration.md" in warned[0]


@pytest.mark.parametrize("host, environment", [
    ("127.0.0.1", {}),
    ("0.0.0.0", {"ARCHIVE_BASE_URL": "https://archive.example.org/"}),
])
@pytest.mark.slow
def test_a_configured_or_loopback_site_does_not_warn(home: Path, host: str, environment: dict[str, str]) -> None:
    assert WARNING not in _start_up_output(home, host, **environment)


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("[::1]", True),
                                             ("localhost", True), ("0.0.0.0", False), ("::", False),
                                             ("192.168.1.20", False), ("archive.example.org", False)])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    from webapp.public_address import is_loopback

    assert is_loopback(host) is loopback


@pytest.mark.slow
def test_trusted_hosts_alone_is_configured(home: Path) -> None:
    from webapp import create_app
    from webapp.public_address import open_host_warning

    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "open-host-test-key-0123456789",
                      "TRUSTED_HOSTS": ["archive.example.org"]})
    assert open_host_warning(app, "0.0.0.0") is None
    app = create_app({"ARCHIVE_HOME": str(home), "TESTING": True, "SECRET_KEY": "open-host-test-key-0123456789"})
    assert open_host_warning(app, "0.0.0.0") is not None
