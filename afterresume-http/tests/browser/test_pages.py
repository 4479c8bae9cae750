"""The web app in a real headless Chromium: a person logs in, writes an entry,
sees its skills once analysed, edits it, generates a standup, builds and
downloads the resume PDF, tailors it; staff see the operator pages and a
person gets 403 there. Every page is saved as a screenshot (see
scripts/browser.sh), and any console error fails the test."""

import re
import time

from conftest import PASSWORD

ENTRY = "Moved the billing service to PostgreSQL 15 and deployed it on Kubernetes with Helm charts."


def wait_for_text(tab, path, text, seconds=60):
    """Reloads `path` until it shows `text` (work happens in the background)."""
    deadline = time.time() + seconds
    while True:
        tab.go(path)
        if text in tab.page.content():
            return
        assert time.time() < deadline, f"{path} never showed {text!r}"
        time.sleep(0.5)


def test_a_person_logs_in_writes_and_sees_skills_reports_and_resume(tab):
    page = tab.page
    # A bookmarked page asks for a login and comes back after it.
    tab.go("/journal")
    assert re.search(r"/login\?next=/journal$", page.url), page.url
    tab.shot("login")
    page.fill("#username", "alice")
    tab.allow("/login", 401)
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert "Wrong username or password." in page.content()
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/journal")

    # Today: write an entry; it is analysed at once.
    tab.go("/")
    page.fill("#content", ENTRY)
    page.fill("#tags", "billing")
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_url("**/?saved=1")
    assert ENTRY in page.content()
    # This week's tags are one click away.
    page.click("button[data-add-tag=billing]")
    assert page.input_value("#tags") == "billing"
    tab.shot("today")

    wait_for_text(tab, "/skills", "PostgreSQL")
    assert page.locator("mark", has_text="PostgreSQL").count() >= 1
    assert "Kubernetes" in page.content()
    tab.shot("skills")

    # Journal: find by text, edit.
    tab.go("/journal?q=helm")
    assert ENTRY in page.content()
    tab.go("/journal?q=nothing-like-this")
    assert "No entries match." in page.content()
    tab.shot("journal")
    tab.go("/journal")
    page.click("a:has-text('Edit')")
    page.wait_for_url(re.compile(r".*/journal/\d+/edit$"))
    tab.shot("journal-edit")
    page.fill("#content", ENTRY + " Added Grafana dashboards for it.")
    page.click("button:has-text('Save changes')")
    page.wait_for_url("**/journal")
    assert "Grafana dashboards" in page.content()
    wait_for_text(tab, "/skills", "Grafana")

    # Reports: generate a standup, read it, copy its Markdown, download it.
    tab.go("/reports")
    page.select_option("#kind", "standup")
    page.click("button:has-text('Generate')")
    page.wait_for_url(re.compile(r".*/reports/\d+$"), timeout=60_000)
    assert "Standup" in page.title()
    markdown = page.input_value("#markdown")
    assert "PostgreSQL" in markdown, markdown
    copy = page.locator("button[data-copy-from=markdown]")
    assert copy.is_visible()
    copy.click()
    page.wait_for_function("document.querySelector('[data-copy-from]').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == markdown
    with page.expect_download() as download:
        page.click("a:has-text('PDF')")
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    tab.shot("report")
    tab.go("/reports")
    tab.shot("reports")

    # Resume: build it, see it, download the PDF, pin and hide.
    tab.go("/resume")
    if page.locator("button:has-text('Build my resume')").count():
        page.click("button:has-text('Build my resume')")
    wait_for_text(tab, "/resume", "Download:")
    frame = page.frame_locator("iframe.preview")
    assert "Alice Example" in frame.locator("body").inner_text()
    with page.expect_download() as download:
        page.click("p.downloads a:has-text('PDF')")
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    page.click("button[aria-label='Pin PostgreSQL']")
    page.wait_for_url("**/resume?saved=1")
    assert page.locator("button[aria-label='Unpin PostgreSQL']").count() == 1
    tab.go("/resume?theme=modern")
    tab.shot("resume")

    # Tailor to a job description.
    page.fill("#job_description", "We need a backend engineer with PostgreSQL, Kubernetes and Rust.")
    page.click("button:has-text('Tailor')")
    page.wait_for_url(re.compile(r".*/resume/tailored/[0-9a-f-]+$"))
    deadline = time.time() + 60
    while "Matched:" not in page.content():
        assert time.time() < deadline, page.content()
        time.sleep(0.5)
        page.reload()
    assert "Rust" in page.locator("p", has_text="without evidence").inner_text()
    matched = page.locator("p", has_text="Matched:").inner_text()
    assert "PostgreSQL (1 entry)" in matched and "{" not in matched, matched
    tab.shot("resume-tailored")

    # Jobs: the person's jobs and a timeline.
    tab.go("/jobs")
    assert "report.generate" in page.content()
    tab.shot("jobs")
    page.click("a:has-text('report.generate')")
    assert page.locator(".timeline li").count() >= 2
    tab.shot("job")

    # Operator pages are not for this person.
    tab.allow("/ops/", 403)
    response = tab.go("/ops/")
    assert response.status == 403
    assert "Staff only" in page.content()

    # Logging out ends the session.
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    tab.go("/")
    assert "/login" in page.url


def test_staff_see_the_dashboard_jobs_schedules_queues_and_users(tab):
    page = tab.page
    tab.login("root")
    response = tab.go("/ops/")
    assert response.status == 200
    assert page.locator("svg.chart rect").count() == 24
    assert "ready in the queue" in page.content()
    tab.shot("ops-dashboard")
    tab.go("/ops/jobs")
    tab.shot("ops-jobs")
    tab.allow("/ops/jobs?status=nonsense", 400)
    tab.go("/ops/jobs?status=nonsense")
    assert "status" in page.locator(".error").inner_text()
    tab.go("/ops/failed")
    tab.shot("ops-failed")
    tab.go("/ops/schedules")
    tab.shot("ops-schedules")
    tab.go("/ops/queues")
    page.fill("#pause-type", "report.generate")
    page.click("form[action='/ops/job-types'] button")
    page.wait_for_url("**/ops/queues")
    assert "report.generate" in page.locator("code").all_inner_texts()
    tab.shot("ops-queues")
    page.click("button[aria-label='Resume job type report.generate']")
    page.wait_for_url("**/ops/queues")
    assert "No job type is paused." in page.content()
    tab.go("/ops/users")
    assert "alice" in page.content() and "root" in page.content()
    tab.shot("ops-users")


def test_api_docs_render_the_openapi_document(tab):
    page = tab.page
    tab.go("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "AfterResume" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("text=/api/worklogs/")
    tab.shot("api-docs")


def test_pages_fit_a_phone_and_are_reached_by_keyboard(phone):
    page = phone.page
    phone.login("alice")
    for path, name in [("/", "phone-today"), ("/journal", "phone-journal"), ("/resume", "phone-resume")]:
        phone.go(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        phone.shot(name)
    phone.go("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id || document.activeElement.name")
    assert focused == "content", focused
