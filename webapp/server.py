"""The site on waitress, with our security headers on waitress's own answers too.

Waitress answers some requests itself, without asking the site: a request it cannot parse
(400), headers too large (431), a body too large (413), and a 500 when the site fails after
its answer began streaming (a CSV export). Those answers are built by waitress's
``ErrorTask``; here a subclass adds the headers of ``webapp.security.HEADERS`` before they are
written, and the server (a ``TcpWSGIServer`` whose channels use it) is built as
``waitress.create_server`` builds one, for the addresses ``host`` and ``port`` name.
``archive serve`` builds it with ``create_server`` and runs it (what ``waitress.serve`` does),
so an address already in use is said in one line before the site says it is serving.
"""

from __future__ import annotations

from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from webapp.security import HEADERS


class SecureErrorTask(ErrorTask):
    """Waitress's own error answer, with the security headers every answer of the site carries."""

    def build_response_header(self) -> bytes:
        present = {name.lower() for name, _ in self.response_headers}
        for name, value in HEADERS.items():
            if name.lower() not in present:
                self.response_headers.append((name, value))
        return super().build_response_header()


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask


class SecureServer(TcpWSGIServer):
    channel_class = SecureChannel


def create_server(app: Any, **settings: Any) -> SecureServer | MultiSocketServer:
    """A waitress server for ``app`` (``settings`` are waitress's: host, port, threads, ident…),
    listening on every address they name."""
    adjustments = Adjustments(**settings)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adjustments.threads)
    socket_map: dict[Any, Any] = {}
    servers = [SecureServer(app, socket_map, True, None, dispatcher=dispatcher, adj=adjustments, sockinfo=sockinfo)
               for sockinfo in adjustments.listen]
    if len(servers) == 1:
        return servers[0]
    listening = [(server.effective_host, server.effective_port) for server in servers]
    return MultiSocketServer(socket_map, adjustments, listening, dispatcher, servers[-1].log_info)


