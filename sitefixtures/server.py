"""Serve a folder of saved pages on 127.0.0.1 the way agency web servers answer.

Used by the tests (fixture sites) and by `make demo` (the bundled sample site), so both exercise
real HTTP: charsets in headers or not at all, 404s, slow pages, robots.txt, conditional requests.

Per-path behaviour lives beside the pages in `_headers.toml`; each table is an fnmatch pattern
matched against the URL path (the first matching table wins, so put specific paths first):

    ["/xxgk/qt/ndbg/*"]
    content_type = "text/html; charset=utf-8"   # default "text/html" (no charset), like many sites
    ["/gone.html"]
    status = 404
    ["/slow.html"]
    delay = 5.0                                  # seconds before the answer starts
    ["/moved/*"]
    location = "/new/"                           # with status 301/302
    ["/flaky.html"]
    fail_first = 1                               # the first N requests get 503, later ones as usual
    ["/dynamic.jsp"]
    stream = true                                # no Content-Length: the body ends at close
    ["/module/web/jpage/dataproxy.jsp"]
    query_files = { "startrecord=10" = "dataproxy-10.xml" }  # see below

The query string is otherwise ignored: a path is one file. `query_files` gives one path several
answers, as a data proxy or JSON API does: a request whose query has one of the `name=value` pairs
is answered with the file named beside it (in the same folder), any other with the path's own file.
A form POST's fields count as query pairs (`page=2` of a POSTed search form).
A pair matches decoded (`q=报告` matches `q=%E6%8A%A5%E5%91%8A`) or exactly as the request wrote
it (`filename=%B1%A8%B8%E6.pdf`: GBK bytes, as old download scripts are linked), so a crawler that
re-encodes such a query gets the path's own answer, not the file.

Every request is remembered in `FixtureServer.requests` so tests can assert what was (not) asked.
"""

from __future__ import annotations

import fnmatch
import hashlib
import mimetypes
import posixpath
import threading
import time
import tomllib
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

_TEXT_TYPES = {".html": "text/html", ".htm": "text/html", ".shtml": "text/html"}


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""  # a POST's body (form fields)


@dataclass
class FixtureServer:
    """A running server; `url` is its base, e.g. http://127.0.0.1:41234."""

    root: Path
    httpd: ThreadingHTTPServer
    requests: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(root: Path | str, port: int = 0, host: str = "127.0.0.1") -> FixtureServer:
    """Start serving `root` on `host` in a daemon thread and return at once.

    Any loopback address works as `host` (127.0.0.2, …): a second server there is a genuinely
    different host to the crawler, for tests about leaving a site.
    """
    root = Path(root)
    server = FixtureServer(root=root, httpd=None)  # type: ignore[arg-type]
    handler = type("Handler", (_Handler,), {"fixture": server})
    server.httpd = ThreadingHTTPServer((host, port), handler)
    server.httpd.daemon_threads = True
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    return server


def _rules(root: Path) -> dict[str, dict]:
    path = root / "_headers.toml"
    return tomllib.loads(path.read_text("utf-8")) if path.exists() else {}


def _rule_for(root: Path, url_path: str) -> dict:
    for pattern, rule in _rules(root).items():
        if fnmatch.fnmatchcase(url_path, pattern):
            return rule
    return {}


class _Handler(BaseHTTPRequestHandler):
    fixture: FixtureServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # silence stderr noise
        pass

    def do_GET(self) -> None:
        self._answer(body_wanted=True)

    def do_HEAD(self) -> None:
        self._answer(body_wanted=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(body_wanted=True, posted=self.rfile.read(length))

    def _answer(self, body_wanted: bool, posted: bytes = b"") -> None:
        url_path = unquote(urlsplit(self.path).path)
        seen = Seen(self.command, self.path, dict(self.headers.items()), posted)
        self.fixture.requests.append(seen)
        rule = _rule_for(self.fixture.root, url_path)
        if rule.get("delay"):
            time.sleep(float(rule["delay"]))
        query = urlsplit(self.path).query
        if posted and "form-urlencoded" in self.headers.get("Content-Type", ""):
            query = "&".join(q for q in (query, posted.decode("latin-1")) if q)
        file = self._file(_by_query(url_path, query, rule))
        status = int(rule.get("status", 200 if file else 404))
        if self._times_asked() <= int(rule.get("fail_first", 0)):
            file, status = None, 503
        body = file.read_bytes() if file else _error_page(status)
        headers = {"Content-Type": rule.get("content_type") or _guess_type(file)}
        if rule.get("location"):
            headers["Location"] = rule["location"]
        if file and status == 200:
            headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            headers["Last-Modified"] = formatdate(file.stat().st_mtime, usegmt=True)
            if self.headers.get("If-None-Match") == headers["ETag"]:
                status, body = 304, b""
        self.send_response(status)
        for name, value in {**headers, **rule.get("headers", {})}.items():
            self.send_header(name, value)
        if rule.get("stream"):
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body_wanted:
            self.wfile.write(body)

    def _times_asked(self) -> int:
        """How often this exact path (query included) was requested, this request included."""
        return sum(1 for seen in self.fixture.requests if seen.path == self.path)

    def _file(self, url_path: str) -> Path | None:
        root = self.fixture.root.resolve()
        candidate = (root / url_path.lstrip("/")).resolve()
        if root not in candidate.parents and candidate != root:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() and candidate.name != "_headers.toml" else None


def _by_query(url_path: str, query: str, rule: dict) -> str:
    """The path to answer from: a `query_files` sibling chosen by the query string, or the path."""
    pairs = {f"{name}={value}" for name, value in parse_qsl(query, keep_blank_values=True)}
    pairs.update(query.split("&"))  # the pieces as written, percent-escapes and all
    for pair, name in rule.get("query_files", {}).items():
        if pair in pairs:
            return posixpath.join(posixpath.dirname(url_path), name)
    return url_path


def _error_page(status: int) -> bytes:
    reason = BaseHTTPRequestHandler.responses.get(status, ("",))[0]
    return f"<html><body><h1>{status} {reason}</h1></body></html>".encode()


def _guess_type(file: Path | None) -> str:
    if file is None:
        return "text/html"
    if file.suffix in _TEXT_TYPES:
        return _TEXT_TYPES[file.suffix]
    return mimetypes.guess_type(file.name)[0] or "application/octet-stream"


def main() -> None:
    """`python -m sitefixtures.server FOLDER [PORT]`: serve a fixture site by hand."""
    import sys

    server = serve(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
