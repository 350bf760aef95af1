"""Real alert receivers on 127.0.0.1: a JSON webhook server and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


class Webhook:
    """A JSON webhook receiver recording every POST; the first `slow` requests answer late."""

    def __init__(self, port: int = 0, slow: int = 0, delay: float = 3.0) -> None:
        self.posts: list[dict] = []
        self.arrived = threading.Event()
        self.slow, self.delay = slow, delay
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"json://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                hook.posts.append(json.loads(self.rfile.read(length)))
                hook.arrived.set()
                if hook.slow > 0:
                    hook.slow -= 1
                    time.sleep(hook.delay)
                try:
                    self.send_response(200)
                    self.end_headers()
                except OSError:
                    pass  # the sender was killed while we slept

            def log_message(self, *args) -> None:
                pass

        return Handler

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd's handler interface: keep every message's parsed content."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"


@pytest.fixture
def webhook():
    hooks: list[Webhook] = []

    def start(**kwargs) -> Webhook:
        hooks.append(Webhook(**kwargs))
        return hooks[-1]

    yield start
    for hook in hooks:
        hook.stop()


@pytest.fixture
def dead_port():
    """A port bound but not listening (connections are refused) until the test starts a server."""
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    yield holder
    holder.close()


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.url = (
        f"mailto://127.0.0.1:{port}?from=gongkai@example.org&to=ops@example.org&mode=insecure"
    )
    yield mailbox
    controller.stop()
