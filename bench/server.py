"""The synthetic web's server: asyncio, raw HTTP/1.1 with keep-alive, pre-rendered bytes.

One process, one listening socket per source host (127.77.x.y, one shared port), every body
rendered once at start-up and kept in memory with its header block, so answering is a dict
lookup and one `writelines`. Conditional requests are honoured as a real server does:
If-None-Match first (RFC 9110 §13.2.2), else If-Modified-Since; either answers 304 without a
body. Anything not in the web is a 404.

A control listener on 127.0.0.1 (its own port) serves the harness, never the crawlers:
`/stats` (requests, statuses and bytes by kind since the last `/reset`, and the server's own
CPU seconds), `/reset`, `/mutate?fraction=0.01&today=YYYY-MM-DD` (re-renders the changed
columns and answers the new reports as JSON) and `/quit`.

    python -m bench.server --sources 200 --pages 5 --entries 20 --report-kb 30

prints one JSON line when it is ready: {"port", "control", "resources", "bytes", "render_s"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import sys
import time
from collections import Counter
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from bench.synth import Resource, Spec, Web, render_site

_REASONS = {200: b"OK", 304: b"Not Modified", 400: b"Bad Request", 404: b"Not Found"}
_MAX_HEAD = 64 * 1024


class Served:
    """The pre-rendered answers, and what was asked of them."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.answers: dict[tuple[str, str], tuple[Resource, bytes]] = {}
        self.stats: Counter[str] = Counter()
        self.load(web.render())

    def load(self, resources: dict[tuple[str, str], Resource]) -> None:
        for key, res in resources.items():
            head = (
                b"HTTP/1.1 200 OK\r\nServer: gongkai-bench\r\n"
                + f"Content-Type: {res.content_type}\r\nContent-Length: {len(res.body)}\r\n"
                f"ETag: {res.etag}\r\nLast-Modified: {res.last_modified}\r\n\r\n".encode()
            )
            self.answers[key] = (res, head)

    def answer(self, host: str, target: str, headers: dict[str, str]) -> list[bytes]:
        path = urlsplit(target).path or "/"
        found = self.answers.get((host, path))
        if found is None:
            return self._count(
                "other", 404, _simple(404, b"<html><body>404 Not Found</body></html>")
            )
        res, head = found
        if _not_modified(res, headers):
            block = (
                f"HTTP/1.1 304 Not Modified\r\nServer: gongkai-bench\r\nETag: {res.etag}\r\n"
                f"Last-Modified: {res.last_modified}\r\n\r\n"
            ).encode()
            return self._count(res.kind, 304, [block])
        return self._count(res.kind, 200, [head, res.body], body=len(res.body))

    def _count(self, kind: str, status: int, parts: list[bytes], body: int = 0) -> list[bytes]:
        stats = self.stats
        stats["requests"] += 1
        stats[f"{kind}.{status}"] += 1
        stats[f"{kind}.requests"] += 1
        stats["bytes"] += sum(len(p) for p in parts)
        stats["body_bytes"] += body
        return parts


def _not_modified(res: Resource, headers: dict[str, str]) -> bool:
    tags = headers.get("if-none-match")
    if tags is not None:
        return tags.strip() == "*" or res.etag in (t.strip() for t in tags.split(","))
    since = headers.get("if-modified-since")
    if since:
        try:
            return parsedate_to_datetime(res.last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _simple(status: int, body: bytes, content_type: str = "text/html") -> list[bytes]:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, b'').decode()}\r\nServer: gongkai-bench\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return [head, body]


class _Http(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; GET/HEAD (and a POST body is read and ignored)."""

    def __init__(self, served: Served, control: Control | None = None) -> None:
        self.served, self.control = served, control
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.local = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.local = transport.get_extra_info("sockname")[0]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > _MAX_HEAD:
                    self._finish(_simple(400, b"request head too large"), close=True)
                return
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return  # the body is still coming
            self.buffer = self.buffer[end + 4 + length :]
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                self._finish(_simple(400, b"bad request line"), close=True)
                return
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            if self.control is not None:
                parts = self.control.handle(target)
            else:
                host = headers.get("host", self.local).rsplit(":", 1)[0] or self.local
                parts = self.served.answer(host, target, headers)
            if method == "HEAD":
                parts = parts[:1]
            self._finish(parts, close)

    def _finish(self, parts: list[bytes], close: bool) -> None:
        assert self.transport is not None
        self.transport.writelines(parts)
        if close:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


class Control:
    def __init__(self, served: Served, stop: asyncio.Event) -> None:
        self.served, self.stop = served, stop

    def handle(self, target: str) -> list[bytes]:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            body = {**self.served.stats, "cpu_s": usage.ru_utime + usage.ru_stime}
        elif parts.path == "/reset":
            self.served.stats.clear()
            body = {"ok": True}
        elif parts.path == "/mutate":
            today = date.fromisoformat(query.get("today") or date.today().isoformat())
            changed, new = self.served.web.mutate(float(query.get("fraction", 0.01)), today)
            for site in changed:
                self.served.load(render_site(self.served.web.spec, site))
            body = {"new": new}
        elif parts.path == "/quit":
            self.stop.set()
            body = {"ok": True}
        else:
            return _simple(404, b"unknown control path")
        return _simple(200, json.dumps(body).encode(), "application/json")


def _bind(hosts: list[str], tries: int = 20) -> tuple[int, list[socket.socket]]:
    """One listening socket per host, all on one port (found by binding the first with 0)."""
    for _ in range(tries):
        sockets: list[socket.socket] = []
        try:
            port = 0
            for host in hosts:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sockets.append(sock)
                sock.bind((host, port))
                sock.listen(1024)
                sock.setblocking(False)
                port = sock.getsockname()[1]
            return port, sockets
        except OSError:
            for sock in sockets:
                sock.close()
    raise OSError(f"could not bind {len(hosts)} loopback hosts on one port")


async def serve(spec: Spec, ready: callable = print) -> None:  # type: ignore[valid-type]
    started = time.perf_counter()
    served = Served(Web.build(spec))
    render_s = time.perf_counter() - started
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # one listening socket per host, and the crawler's keep-alive connections
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port, sockets = _bind([site.host for site in served.web.sites])
    servers = [await loop.create_server(lambda: _Http(served), sock=s) for s in sockets]
    control_server = await loop.create_server(
        lambda: _Http(served, Control(served, stop)), "127.0.0.1", 0
    )
    control_port = control_server.sockets[0].getsockname()[1]
    total = sum(len(res.body) for res, _ in served.answers.values())
    ready(
        json.dumps(
            {
                "port": port,
                "control": control_port,
                "resources": len(served.answers),
                "bytes": total,
                "render_s": round(render_s, 2),
            }
        )
    )
    await stop.wait()
    for server in [*servers, control_server]:
        server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=Spec.sources)
    parser.add_argument("--pages", type=int, default=Spec.pages)
    parser.add_argument("--entries", type=int, default=Spec.entries)
    parser.add_argument("--report-kb", type=float, default=Spec.report_kb)
    parser.add_argument("--seed", type=int, default=Spec.seed)
    args = parser.parse_args(argv)
    spec = Spec(args.sources, args.pages, args.entries, args.report_kb, args.seed)
    asyncio.run(serve(spec, lambda line: print(line, flush=True)))
    sys.exit(0)


if __name__ == "__main__":
    main()
