"""Headless Chromium driven over the Chrome DevTools protocol, for the browser tests.

Debian's `chromium` (installed by `make system-deps`) is started with a throwaway profile and
`--remote-debugging-port=0`; a small client on aiohttp's websocket (aiohttp comes with Scrapy)
opens a page and records every request the browser tried, including those of frames that run in
a process of their own (auto-attached), what became of each, and every document's HTML. No
browser is downloaded, and a resolver rule keeps the browser off every host but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",  # no user namespaces in containers; the page under test is the sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--window-size=1280,1000",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-port=0",
)


def chromium() -> str | None:
    """The browser's path, or None where it is not installed."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@dataclass
class Visit:
    """What one page load did."""

    requests: dict[str, str] = field(default_factory=dict)  # request id → URL
    blocked: dict[str, str] = field(default_factory=dict)  # request id → why the browser refused
    documents: list[tuple[str, str]] = field(default_factory=list)  # (URL, outer HTML)
    screenshot: bytes | None = None

    def refused(self) -> list[str]:
        """The URLs of requests the browser refused itself (e.g. by Content-Security-Policy)."""
        return [self.requests[rid] for rid in self.blocked if rid in self.requests]

    def sent(self) -> list[str]:
        """The URLs of requests the browser did not refuse itself."""
        return [url for rid, url in self.requests.items() if rid not in self.blocked]


@contextlib.contextmanager
def browser(profile: Path) -> Iterator[str]:
    """A running Chromium; yields its DevTools websocket URL."""
    process = subprocess.Popen(
        [chromium() or CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield _devtools_url(profile, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _devtools_url(profile: Path, process: subprocess.Popen, seconds: float = 60) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        lines = port_file.read_text().split() if port_file.exists() else []
        if len(lines) == 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.1)
    raise RuntimeError("chromium did not open its DevTools port")


def visit(devtools: str, url: str, screenshot: bool = False, settle: float = 1.0) -> Visit:
    """Open `url` in a new tab, wait for its load event and `settle` seconds more, and return
    what happened."""
    return asyncio.run(_visit(devtools, url, screenshot, settle))


class _Session:
    """One websocket carrying the browser's and every attached target's messages (flat mode)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, visit: Visit) -> None:
        self.ws, self.visit = ws, visit
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future] = {}
        self.loaded = asyncio.Event()
        self.main: str | None = None
        self.children: list[str] = []
        self.tasks: set[asyncio.Task] = set()

    async def call(self, method: str, session: str | None = None, **params: Any) -> dict:
        message_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = future
        message = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.ws.send_json(message)
        return await asyncio.wait_for(future, 30)

    async def listen(self) -> None:
        async for message in self.ws:
            data = message.json()
            if "id" in data:
                future = self.waiting.pop(data["id"])
                if "error" in data:
                    future.set_exception(RuntimeError(f"{data['error']}"))
                else:
                    future.set_result(data.get("result", {}))
            else:
                self.event(data["method"], data.get("params", {}), data.get("sessionId"))

    def event(self, method: str, params: dict, session: str | None) -> None:
        if method == "Network.requestWillBeSent":
            self.visit.requests[params["requestId"]] = params["request"]["url"]
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            self.visit.blocked[params["requestId"]] = params["blockedReason"]
        elif method == "Page.loadEventFired" and session == self.main:
            self.loaded.set()
        elif method == "Target.attachedToTarget" and session is not None:  # auto-attached
            child = params["sessionId"]
            self.children.append(child)
            self.tasks.add(asyncio.get_running_loop().create_task(self.watch(child, resume=True)))

    async def watch(self, session: str, resume: bool = False) -> None:
        """Record a target's requests, and attach to its own frames and workers before they
        run."""
        await self.call("Network.enable", session)
        await self.call(
            "Target.setAutoAttach", session, autoAttach=True, waitForDebuggerOnStart=True,
            flatten=True,
        )  # fmt: skip
        if resume:
            await self.call("Runtime.runIfWaitingForDebugger", session)

    async def documents(self, session: str) -> list[tuple[str, str]]:
        """The outer HTML of a target's document and of every frame document inside it."""
        root = (await self.call("DOM.getDocument", session, depth=-1, pierce=True))["root"]
        found = []
        for node in _documents(root):
            html = await self.call("DOM.getOuterHTML", session, nodeId=node["nodeId"])
            found.append((node.get("documentURL", ""), html["outerHTML"]))
        return found


def _documents(node: dict) -> Iterator[dict]:
    if node.get("nodeName") == "#document":
        yield node
    for child in (*node.get("children", ()), node.get("contentDocument") or {}):
        if child:
            yield from _documents(child)


async def _visit(devtools: str, url: str, screenshot: bool, settle: float) -> Visit:
    result = Visit()
    async with aiohttp.ClientSession() as client, client.ws_connect(devtools, max_msg_size=0) as ws:
        cdp = _Session(ws, result)
        listener = asyncio.create_task(cdp.listen())
        try:
            target = await cdp.call("Target.createTarget", url="about:blank")
            attached = await cdp.call(
                "Target.attachToTarget", targetId=target["targetId"], flatten=True
            )
            cdp.main = main = attached["sessionId"]
            await cdp.watch(main)
            await cdp.call("Page.enable", main)
            await cdp.call("Page.navigate", main, url=url)
            await asyncio.wait_for(cdp.loaded.wait(), 60)
            await asyncio.sleep(settle)  # late requests (timers, lazy loads) would show by now
            for session in (main, *cdp.children):
                with contextlib.suppress(RuntimeError):  # a worker target has no DOM
                    result.documents += await cdp.documents(session)
            if screenshot:
                shot = await cdp.call("Page.captureScreenshot", main, format="png")
                result.screenshot = base64.b64decode(shot["data"])
            await cdp.call("Target.closeTarget", targetId=target["targetId"])
        finally:
            for task in (*cdp.tasks, listener):
                task.cancel()
    return result
