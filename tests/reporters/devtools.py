"""Headless Chromium driven over the DevTools protocol on a pipe, with nothing beyond the standard library: a page
laid out as a screen or a printer would lay it out, measured through its DOM, and drawn.

With ``--remote-debugging-pipe`` Chromium reads commands from its file descriptor 3 and writes answers and events
to 4, each one JSON object ended by a NUL byte. The browser's console is watched: a page that logs anything (a
script error, a Content-Security-Policy violation) fails the test that loaded it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT_SECONDS = 120  # generous: the machine is shared, and a page's first layout can wait for a busy CPU

A4_WIDTH_MM = 210
MM = 96 / 25.4
"""CSS pixels in a millimetre: a CSS pixel is 1/96 inch, on paper as on screen."""


class DevToolsError(Exception):
    """Chromium answered a command with an error, or did not answer in time."""


@dataclass
class Page:
    """One tab, attached to its own DevTools session."""

    browser: Browser
    session: str

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def load(self, page: Path) -> None:
        self.send("Page.navigate", url=page.as_uri())
        self.browser.wait_for("Page.loadEventFired", self.session)

    def viewport(self, width: int, height: int) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def media(self, kind: str) -> None:
        """Lay the page out for ``print`` (its ``@media print`` rules apply) or for the ``screen``."""
        self.send("Emulation.setEmulatedMedia", media=kind)

    def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` in the page (DevTools runs it whatever the page's own policy forbids)."""
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in answer:
            raise DevToolsError(f"{expression[:60]}...: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, *, whole_page: bool = False) -> bytes:
        """The viewport as the screen shows it, or the whole page at the viewport's width, as PNG."""
        if not whole_page:
            return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        answer = self.send("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        return base64.b64decode(answer["data"])


class Browser:
    """A headless Chromium with a fresh profile, spoken to over the DevTools pipe."""

    def __init__(self, chromium: str, flags: tuple[str, ...], profile: Path) -> None:
        commands, self._to_browser = os.pipe()
        self._from_browser, answers = os.pipe()

        def wire() -> None:  # in the child: the pipe ends where Chromium looks for them, inheritable
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands, answers)]  # out of 3 and 4's way first
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self._process = subprocess.Popen(
            [chromium, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # the one way to put the pipe at fds 3 and 4; the tests start no threads
            close_fds=False,  # Python's own descriptors are not inherited (PEP 446); fds 3 and 4 are, by dup2
        )
        os.close(commands)
        os.close(answers)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.console: list[str] = []

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error']}")
                return dict(answer.get("result", {}))
            self._event(answer)

    def wait_for(self, event: str, session: str) -> dict[str, Any]:
        for index, seen in enumerate(self._events):
            if seen.get("method") == event and seen.get("sessionId") == session:
                return dict(self._events.pop(index).get("params", {}))
        while True:
            message = self._receive()
            if message.get("method") == event and message.get("sessionId") == session:
                return dict(message.get("params", {}))
            self._event(message)

    def new_page(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log"):
            page.send(f"{domain}.enable")
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (DevToolsError, OSError):
            self._process.kill()
        finally:
            self._process.wait(timeout=TIMEOUT_SECONDS)
            os.close(self._to_browser)
            os.close(self._from_browser)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            self.console.append(f"console.{params.get('type')}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            self.console.append(f"uncaught: {params.get('exceptionDetails')}")
        elif method == "Log.entryAdded":
            self.console.append(f"log: {params.get('entry')}")
        else:
            self._events.append(message)

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise DevToolsError(f"no answer from Chromium within {TIMEOUT_SECONDS} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise DevToolsError(f"Chromium closed the DevTools pipe (exit {self._process.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))


@contextmanager
def browser(chromium: str, flags: tuple[str, ...], profile: Path) -> Iterator[Browser]:
    started = Browser(chromium, flags, profile)
    try:
        yield started
    finally:
        started.close()
