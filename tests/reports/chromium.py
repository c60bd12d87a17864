"""Open a page in real headless Chromium over the DevTools protocol and report what rendered.

Only the standard library: Chromium is started with ``--remote-debugging-port=0``, its port is
read from ``DevToolsActivePort`` in a fresh profile folder, and a minimal WebSocket client (RFC
6455: text frames, client masking, fragmented and long frames, ping/pong) speaks the protocol.
Collected while the page loads: console errors, uncaught exceptions and log entries of level
error (a resource that fails to load is one); after the load event, the DOM is inspected for
tables and images (a broken image has ``naturalWidth == 0``), and a screenshot is taken.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]
WINDOW = (1280, 2000)  # the default window: width and height in CSS pixels

# Run in the page after load: what a person would see, as JSON.
INSPECT = """JSON.stringify({
  title: document.title,
  viewport: {width: window.innerWidth, height: window.innerHeight},
  pageHeight: document.documentElement.scrollHeight,
  summary: (s => s ? {top: s.getBoundingClientRect().top, bottom: s.getBoundingClientRect().bottom,
                      text: s.innerText} : null)(document.getElementById('summary')),
  tables: Array.from(document.querySelectorAll('table')).map(t => ({
      rows: t.tBodies.length ? t.tBodies[0].rows.length : 0,
      header: Array.from(t.querySelectorAll('thead th')).map(th => th.textContent),
      inSummary: t.closest('#summary') !== null,
      collapsed: t.closest('details') !== null && !t.closest('details').open,
      height: t.getBoundingClientRect().height})),
  images: Array.from(document.images).map(img => ({
      alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight, width: img.getBoundingClientRect().width,
      height: img.getBoundingClientRect().height, top: img.getBoundingClientRect().top})),
  text: document.body.innerText
})"""


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


class WebSocket:
    """The client side of RFC 6455, enough for the DevTools protocol."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        parts = urlparse(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the connection during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(max(65536, count - len(self.buffer)))
            if not chunk:
                raise ConnectionError("the browser closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", length)
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if second & 0x80 else None
            payload = self._read(length)
            if mask:
                payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if first & 0x80:
                    return message.decode()

    def close(self) -> None:
        self.sock.close()


@dataclass
class PageReport:
    """What the browser saw."""

    dom: dict
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""

    @property
    def broken_images(self) -> list[dict]:
        return [img for img in self.dom["images"] if not img["complete"] or img["naturalWidth"] == 0]


class DevTools:
    """One page target: send commands, wait for replies and events, collect errors."""

    def __init__(self, socket_url: str) -> None:
        self.ws = WebSocket(socket_url)
        self.next_id = 0
        self.errors: list[str] = []
        self.events: list[str] = []

    def _note(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        self.events.append(method)
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append("exception: " + details.get("exception", {}).get("description", details.get("text", "")))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(f"log: {params['entry']['text']} {params['entry'].get('url', '')}")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._note(message)

    def wait_for(self, event: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while event not in self.events:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} within {timeout} s")
            self._note(json.loads(self.ws.receive()))


def render(page: Path, timeout: float = 60, window: tuple[int, int] = WINDOW) -> PageReport:
    """Load ``page`` (a local file) in headless Chromium in a ``window`` (width, height) of CSS
    pixels; return the DOM facts, errors, and a screenshot of the window (the page's first screen)."""
    binary = find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed (make chromium)")
    # Chromium's helper processes can still be writing to the profile as the directory is removed:
    # end the whole process group, and do not fail the test over a straggler's files in /tmp.
    with tempfile.TemporaryDirectory(prefix="bayesrep-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--window-size={window[0]},{window[1]}",
                                    f"--user-data-dir={profile}",
                                    "--remote-debugging-port=0", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout
            while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chromium did not start its DevTools server")
                time.sleep(0.1)
            port = int(port_file.read_text().splitlines()[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as response:
                targets = json.load(response)
            target = next(t for t in targets if t["type"] == "page")
            tools = DevTools(target["webSocketDebuggerUrl"])
            try:
                for domain in ("Page", "Runtime", "Log"):
                    tools.call(f"{domain}.enable")
                tools.call("Page.navigate", url=page.resolve().as_uri())
                tools.wait_for("Page.loadEventFired", timeout)
                dom = json.loads(tools.call("Runtime.evaluate", expression=INSPECT, returnByValue=True)["result"]["value"])
                shot = base64.b64decode(tools.call("Page.captureScreenshot", format="png")["data"])
                return PageReport(dom, tools.errors, shot)
            finally:
                tools.ws.close()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
