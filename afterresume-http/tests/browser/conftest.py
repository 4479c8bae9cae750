"""Fixtures of the browser tests: the `afterresume` binary serving a fresh
SQLite folder on a free port, two accounts (a person and a staff member), and
headless Chromium (Debian's, started by Playwright) whose console errors fail
the test that caused them."""

import os
import pathlib
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

BINARY = os.environ["AFTERRESUME_BIN"]
CHROMIUM = os.environ.get("AFTERRESUME_CHROMIUM", "/usr/bin/chromium")
SHOTS = pathlib.Path(os.environ["AFTERRESUME_SCREENSHOTS"])
PASSWORD = "browser-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args, cwd):
    subprocess.run([BINARY, *args], cwd=cwd, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def server():
    data = tempfile.mkdtemp(prefix="afterresume-browser-")
    _run(["create-user", "--username", "alice", "--password", PASSWORD, "--full-name", "Alice Example"], data)
    _run(["create-user", "--username", "root", "--password", PASSWORD, "--staff"], data)
    port = _free_port()
    log = open(os.path.join(data, "server.log"), "w")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "DATABASE_URL", "REDIS_URL"))}
    process = subprocess.Popen(
        [BINARY, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=data, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/healthz/", timeout=2)
            break
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(open(os.path.join(data, "server.log")).read())
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


class Tab:
    """A page that records console errors and uncaught exceptions."""

    def __init__(self, page, base):
        self.page = page
        self.base = base
        self.errors = []
        self.allowed = set()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))

    def allow(self, path, status):
        """A page the test loads on purpose with an error status (a wrong
        password, a forbidden page): Chromium logs it, and that is no fault."""
        self.allowed.add((self.base + path, status))

    def _console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url", "")
        expected = any(
            url == path and f"status of {status} " in message.text for path, status in self.allowed
        )
        if not expected:
            self.errors.append(f"{self.page.url}: {message.text} ({url})")

    def go(self, path):
        return self.page.goto(self.base + path)

    def shot(self, name):
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def login(self, username):
        self.go("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    t = Tab(context.new_page(), server)
    yield t
    context.close()
    assert t.errors == [], "console errors:\n" + "\n".join(t.errors)


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    t = Tab(context.new_page(), server)
    yield t
    context.close()
    assert t.errors == [], "console errors:\n" + "\n".join(t.errors)
