"""Drive a headless Chromium over the DevTools pipe: no driver, no websocket, no package.

Why this and not playwright or selenium: the review page only needs "open a file, run a
line of JavaScript, click, take a screenshot". Chromium's `--remote-debugging-pipe` speaks
the DevTools protocol as NUL-separated JSON on file descriptors 3 (in) and 4 (out), which
the standard library handles in ~150 lines; the only thing to install is the browser itself
(Debian: `apt-get install chromium`). Used by the browser tests and to make docs/review.png.

    with Chromium() as b:
        b.goto(Path("review.html").resolve().as_uri())
        b.click("button.val")
        b.screenshot(Path("shot.png"))
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Where Debian, Ubuntu and Chrome put the browser; `IMR_TEST_CHROMIUM` overrides.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Flags that keep a headless run quiet and offline: without the background-networking
#: ones Chromium keeps dialling Google services, which a closed network refuses noisily.
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
)


_TRAMPOLINE = """
import fcntl, os, sys
a, b = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])
os.dup2(a, 3)
os.dup2(b, 4)
os.close(a)
os.close(b)
os.execv(sys.argv[3], sys.argv[3:])
"""


#: DevTools errors that mean "the page is being replaced": retry, do not fail.
_NAVIGATING = ("navigated or closed", "context was destroyed", "Cannot find context")


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or a DevTools command failed."""


def find_chromium() -> str | None:
    env = os.environ.get("IMR_TEST_CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless browser with one page, driven through the DevTools protocol."""

    def __init__(self, executable: str | None = None, width: int = 1400, height: int = 900,
                 timeout: float = 20.0) -> None:
        exe = executable or find_chromium()
        if not exe:
            raise BrowserError("no Chromium found (install Debian's 'chromium' or set IMR_TEST_CHROMIUM)")
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._profile = tempfile.TemporaryDirectory(prefix="imr-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        # The pipe ends must be fds 3 and 4 in the browser. A tiny Python trampoline moves
        # them there (via fds >= 10, so the two never overwrite each other) and execs the
        # browser: no preexec_fn, which is unsafe when the caller has threads.
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(to_browser_r), str(from_browser_w), exe, *FLAGS,
             f"--user-data-dir={self._profile.name}", f"--window-size={width},{height}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
            self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                     session=False)["sessionId"]
            self.send("Page.enable")
            self.send("Runtime.enable")
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.close()
            raise

    # ----------------------------------------------------------------- protocol

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buf += chunk
            *messages, buf = buf.split(b"\0")
            for raw in messages:
                msg = json.loads(raw)
                with self._cond:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self._cond.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, session: bool = True) -> dict[str, Any]:
        """Send one DevTools command and wait for its result."""
        with self._cond:
            self._next += 1
            mid = self._next
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        try:
            os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        except OSError as exc:
            raise BrowserError(f"Chromium is gone ({exc})") from None
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while mid not in self._replies:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise BrowserError(f"{method}: no answer from Chromium")
                self._cond.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        return reply.get("result", {})

    # ----------------------------------------------------------------- page

    def goto(self, url: str) -> None:
        """Open `url` and wait until the document has loaded."""
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.eval("document.readyState === 'complete' && location.href !== 'about:blank'"):
                return
            time.sleep(0.05)
        raise BrowserError(f"{url}: did not load")

    def eval(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value.

        While a navigation is under way (a clicked link) there is no page to evaluate in;
        Chromium says so, and the call is retried until the new page exists."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                        "awaitPromise": True})
                break
            except BrowserError as exc:
                if not any(m in str(exc) for m in _NAVIGATING) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script error: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 3.0) -> Any:
        """Poll `expression` until it is truthy (animations, smooth scrolling); return it or the last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """Click the first element matching `selector` where a mouse would: at a point of its
        first line box that the element itself (not an overlay) receives, once scrolling settles."""
        probe = (
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " const r = e.getClientRects()[0] || e.getBoundingClientRect();"
            " if (r.top < 0 || r.bottom > innerHeight) { e.scrollIntoView({block: 'center'}); return [0, 0, false]; }"
            " const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;"
            " const hit = document.elementFromPoint(x, y);"
            " return [x, y, !!hit && (e === hit || e.contains(hit))]; })()"
        )
        deadline = time.monotonic() + self.timeout
        last = None
        while time.monotonic() < deadline:
            found = self.eval(probe)
            if found is None:
                raise BrowserError(f"nothing matches {selector!r}")
            if found[2] and found == last:  # hit-testable and not moving any more
                break
            last = found
            time.sleep(0.05)
        else:
            raise BrowserError(f"{selector!r} cannot be clicked (hidden or covered)")
        x, y = last[0], last[1]
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved" else "none",
                       "clickCount": 1})

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def exceptions(self) -> list[str]:
        """Uncaught page script errors seen so far."""
        with self._cond:
            return [
                str(e["params"]["exceptionDetails"].get("exception", {}).get("description")
                    or e["params"]["exceptionDetails"].get("text"))
                for e in self.events if e.get("method") == "Runtime.exceptionThrown"
            ]

    # ----------------------------------------------------------------- lifetime

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                os.write(self._to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._profile.cleanup()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str]) -> int:
    """`python -m imr_assist.review.browser PAGE.html OUT.png [SELECTOR...]`: screenshot a page
    (1400x820) after clicking each SELECTOR in turn. docs/review.png is made this way."""
    if len(argv) < 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    with Chromium(width=1400, height=820) as b:
        b.goto(Path(argv[0]).resolve().as_uri())
        for selector in argv[2:]:
            b.click(selector)
            time.sleep(1.3)  # let scrolling and the flash settle so the picture shows the result
        print(b.screenshot(Path(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
