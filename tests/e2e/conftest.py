"""Playwright driving Debian's Chromium (Playwright cannot download its own browser here).

One browser for the whole session (and pytest-django's one live server); each test gets a
fresh context. `watch(page)` collects what a careful visitor would call broken — console
errors, uncaught exceptions, Content-Security-Policy violations — and `page_problems(page)`
adds what only a laid-out page shows: horizontal overflow, duplicate element ids and graph
labels that overlap.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = os.environ.get("BZPEER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
# Screenshots are artefacts of a run, never committed (tmp/ is git-ignored).
SCREENSHOT_DIR = Path(os.environ.get("BZPEER_SCREENSHOT_DIR", ROOT / "tmp" / "screenshots"))

# Reported by Chromium as `securitypolicyviolation` events; a listener added before any page
# script runs turns each into a console error, so the same console check catches them.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""

LAYOUT_PROBLEMS = """
() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(0, 3)
      .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (typeof el.className === "string" && el.className
          ? "." + el.className.split(" ")[0] : ""));
    problems.push(`horizontal overflow: scrollWidth ${root.scrollWidth}`
      + ` > ${root.clientWidth} (${wide.join(", ")})`);
  }
  // Graph pictures: no two visible labels may overlap (boxes in the picture's own units).
  for (const svg of document.querySelectorAll("svg.graph")) {
    const labels = [...svg.querySelectorAll("text")]
      .filter((t) => getComputedStyle(t).display !== "none")
      .map((t) => ({ text: t.textContent, box: t.getBBox() }));
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].box, b = labels[j].box;
        if (a.x < b.x + b.width && b.x < a.x + a.width
            && a.y < b.y + b.height && b.y < a.y + a.height) {
          problems.push(`graph labels overlap: "${labels[i].text}" and "${labels[j].text}"`);
        }
      }
    }
  }
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) {
    seen.set(el.id, (seen.get(el.id) || 0) + 1);
  }
  for (const [id, n] of seen) {
    if (n > 1) problems.push(`id "${id}" used ${n} times`);
  }
  return problems;
}
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous, so Django's async-safety guard must stand aside.
    # Only for this process's tests: it must not leak into processes the tests start.
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@dataclass
class Watch:
    """What went wrong in the browser since the last `take()`."""

    problems: list[str] = field(default_factory=list)

    def take(self) -> list[str]:
        taken, self.problems = self.problems, []
        return taken


def watch(page) -> Watch:
    """Record console errors, uncaught exceptions and CSP violations of this page."""
    seen = Watch()
    page.on("console", lambda m: seen.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.problems.append(f"uncaught: {e}"))
    return seen


def settle(page) -> None:
    """Wait until htmx has no request in flight and no lazy fragment is still loading."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request, [hx-trigger^=\"load\"]')")


def page_problems(page) -> list[str]:
    """Horizontal overflow and duplicate ids on the page as laid out now."""
    return page.evaluate(LAYOUT_PROBLEMS)


def new_page(browser, *, width: int = 1280, user=None, base_url: str = ""):
    """A page in a fresh context, logged in as `user` (a session cookie, no login form)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(CSP_LISTENER)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def page(browser) -> Iterator[object]:
    page = new_page(browser)
    yield page
    page.context.close()
