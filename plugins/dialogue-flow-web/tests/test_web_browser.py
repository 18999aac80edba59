"""The web host end to end in a real browser (issue 19): the distribution's headless
Chromium driven by Playwright through a full meeting cycle to the conclusion notice, a
version conflict between two clerks, a citizen's lookup, and the real ``dialogue-flow
serve`` on the province demo (its roll-up) and on the 2021 commune demo.

Every screen is written as a screenshot artefact (browser_support.artefacts). Select
these tests with ``-m browser``; without Chromium they skip, on CI they fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import docx
import pytest
from browser_support import (
    DESK,
    LAUNCH_ARGS,
    PHONE,
    REPO,
    chromium_path,
    live_server,
    log_in,
    log_out,
    run_cli,
    served,
    shoot,
)
from dialogue_flow_web import create_app
from web_support import NAME, OFFICE, PASSWORD, make_config, receive
from web_support import PHONE as PHONE_NUMBER

from dialogue_flow import (
    SUBMISSION,
    DialogueFlow,
    DialogueState,
    FixedClock,
    Organisation,
    Submission,
    SubmissionState,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: The fixtures (modules, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]

pytestmark = pytest.mark.browser

DAY = dt.date(2026, 3, 16)  # two weeks after the clock's Monday

#: The demos' password (examples/web-commune.toml, examples/web-province.toml).
COMMUNE_PASSWORD = "xa-demo-2021"
PROVINCE_PASSWORD = "tinh-mau-demo-2026"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium of the distribution, one for the module's tests."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - checked there

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (its own cookies) on a desk's screen."""
    context = browser.new_context(viewport=DESK, locale="vi-VN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def browser_clock() -> FixedClock:
    return FixedClock(dt.date(2026, 3, 2))  # a Monday


@pytest.fixture
def sqlite_flow(tmp_path: Path, browser_clock: FixedClock) -> Iterator[DialogueFlow]:
    """A commune under a province in a SQLite file, on a clock the test moves."""
    with DialogueFlow.open(f"sqlite:///{tmp_path / 'web.db'}", clock=browser_clock) as f:
        f.add_organisation(Organisation("tinh", "Tỉnh Hà Tĩnh", "province"))
        f.add_organisation(Organisation("xa-a", "Đảng ủy xã A", "commune", "tinh",
                                        bodies=("Địa chính", "Văn hóa")))
        f.add_organisation(Organisation("xa-b", "Đảng ủy xã B", "commune", "tinh"))
        yield f


def _focused_name(page: Page) -> str | None:
    """The name of the field that has the focus, once the content field has it or after
    a second (autofocus is applied at the first rendering after the page loads)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: PLC0415

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("document.activeElement && "
                               "document.activeElement.name === 'content'", timeout=5000)
    name = page.evaluate("document.activeElement && document.activeElement.name")
    return name if isinstance(name, str) else None


def _submit(page: Page, form: str) -> None:
    """Click ``form``'s submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()
    assert page.locator("p.problem").count() == 0, page.locator("main").inner_text()


#: The opinions the intake desk records: topic, content, name, phone, how.
OPINIONS = (("Đất đai", "Chậm cấp giấy chứng nhận quyền sử dụng đất.", NAME, PHONE_NUMBER,
             "spoken"),
            ("Môi trường", "Bãi rác gây ô nhiễm nguồn nước.", "", "", "written"),
            ("Đất đai", "Đường vào thôn bị lấn chiếm.", "", "", "spoken"))


def test_a_full_cycle_from_planning_to_the_conclusion_notice(
        desk: Page, sqlite_flow: DialogueFlow, browser_clock: FixedClock,
        password_hash: str) -> None:
    """The office plans a dialogue two weeks ahead, announces it, and on the day records
    it held with its attendance; the intake desk types three opinions, the form back after
    each (its focus: the next test); the chair answers one on the spot, assigns one to a
    department and escalates one to the province, then concludes; the conclusion notice
    downloads as a .docx titled THÔNG BÁO. A screenshot of every screen."""
    with _app_server(sqlite_flow, password_hash) as base:
        desk.goto(f"{base}/login")
        shoot(desk, "01-login.png")
        log_in(desk, base, "vp", PASSWORD)
        shoot(desk, "02-dashboard-empty.png")
        dialogue = _plan_announce_hold(desk, base, sqlite_flow, browser_clock)
        log_out(desk)
        log_in(desk, base, "tn", PASSWORD)
        recorded = _record_opinions(desk, base, sqlite_flow, dialogue)
        log_out(desk)
        log_in(desk, base, "bt", PASSWORD)
        _decide(desk, base, sqlite_flow, recorded)
        _conclude_and_download(desk, base, sqlite_flow, dialogue)


def _plan_announce_hold(page: Page, base: str, flow: DialogueFlow,
                        clock: FixedClock) -> str:
    """As the office: plan the dialogue from /meetings, announce it, and on its day record
    it held; its id."""
    with page.expect_navigation():
        page.click("nav a[href='/meetings']")
    plan = page.locator("form#form-plan")
    plan.locator("input[name=title]").fill("Đối thoại quý I")
    plan.locator("input[name=scheduled_for]").fill(DAY.isoformat())
    plan.locator("input[name=venue]").fill("Nhà văn hóa thôn 3")
    plan.locator("textarea[name=topics]").fill("Đất đai\nMôi trường")
    shoot(page, "03-meetings-plan.png")
    _submit(page, "form#form-plan")
    found = re.fullmatch(rf"{re.escape(base)}/meetings/([^/#?]+)", page.url)
    assert found is not None, page.url
    dialogue = found.group(1)
    assert "Đối thoại quý I" == page.locator("h1").inner_text()
    shoot(page, "04-meeting-planned.png")

    _submit(page, "form#form-announce")
    assert DialogueState.ANNOUNCED == flow.dialogue(dialogue).state
    shoot(page, "05-meeting-announced.png")

    clock.set(DAY)
    page.locator("form#form-hold input[name=actual_attendance]").fill("85")
    _submit(page, "form#form-hold")
    held = flow.dialogue(dialogue)
    assert (DialogueState.HELD, 85) == (held.state, held.actual_attendance)
    shoot(page, "06-meeting-held.png")
    return dialogue


def _record_opinions(page: Page, base: str, flow: DialogueFlow,
                     dialogue: str) -> list[Submission]:
    """As the intake desk: type :data:`OPINIONS` into the intake form, each one POST and
    back to the form; the matters made, in that order."""
    page.goto(f"{base}/meetings/{dialogue}")
    assert "content" == _focused_name(page)
    shoot(page, "07-meeting-intake-empty.png")
    intake = page.locator("form#intake")
    for topic, content, name, phone, channel in OPINIONS:
        intake.locator("textarea[name=content]").fill(content)
        intake.locator("input[name=topic]").fill(topic)
        intake.locator("input[name=name]").fill(name)
        intake.locator("input[name=phone]").fill(phone)
        intake.locator(f"input[name=channel][value={channel}]").check()
        _submit(page, "form#intake")
        assert f"/meetings/{dialogue}" == urlsplit(page.url).path
        assert "" == intake.locator("textarea[name=content]").input_value()
    shoot(page, "08-meeting-intake.png")
    listed = page.locator("main").inner_text()
    assert f"({len(OPINIONS)})" in listed
    assert NAME not in listed
    assert PHONE_NUMBER not in listed
    by_content = {s.content: s for s in flow.submissions(dialogue_id=dialogue).items}
    assert len(OPINIONS) == len(by_content)
    return [by_content[content] for _topic, content, *_rest in OPINIONS]


def _decide(page: Page, base: str, flow: DialogueFlow, recorded: list[Submission]) -> None:
    """As the chair, on each matter's page: answer the first on the spot, assign the second
    to a department, escalate the third to the province."""
    first, second, third = recorded
    page.goto(f"{base}/matters/{first.id}")
    shoot(page, "09-matter-received.png")
    answer = page.locator("form#form-answer")
    answer.locator("textarea[name=text]").fill("Sẽ cấp giấy chứng nhận trong tháng 4.")
    answer.locator("select[name=mode]").select_option("on_the_spot")
    _submit(page, "form#form-answer")

    page.goto(f"{base}/matters/{second.id}")
    page.locator("form#form-assign input[name=department]").fill("Văn hóa")
    _submit(page, "form#form-assign")
    shoot(page, "10-matter-assigned.png")

    page.goto(f"{base}/matters/{third.id}")
    page.locator("form#form-escalate select[name=to]").select_option("tinh")
    _submit(page, "form#form-escalate")
    shoot(page, "11-matter-decided.png")
    assert [SubmissionState.ANSWERED, SubmissionState.ASSIGNED,
            SubmissionState.ESCALATED] == [flow.submission(s.id).state for s in recorded]
    assert "Văn hóa" == flow.submission(second.id).responsible


def _conclude_and_download(page: Page, base: str, flow: DialogueFlow,
                           dialogue: str) -> None:
    """As the chair: conclude the dialogue, then download its conclusion notice and read
    it with python-docx."""
    page.goto(f"{base}/meetings/{dialogue}")
    _submit(page, "form#form-conclude")
    assert DialogueState.CONCLUDED == flow.dialogue(dialogue).state
    shoot(page, "12-meeting-concluded.png")
    with page.expect_download() as download:
        page.locator("form#doc-conclusion_notice button").click()
    assert download.value.suggested_filename.endswith(".docx")
    document = docx.Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "THÔNG BÁO" in text
    assert "KẾT LUẬN" in text.upper()
    title = flow.dialogue(dialogue).title
    assert title in text or title.upper() in text, "not this dialogue's notice"


def test_the_focus_returns_to_the_content_field_after_each_opinion(
        desk: Page, sqlite_flow: DialogueFlow, browser_clock: FixedClock,
        password_hash: str) -> None:
    """The intake desk types opinions as fast as they are spoken: after each one is
    recorded the page comes back with the focus in the content field, so the next is typed
    at once (the content field has ``autofocus``)."""
    flow = sqlite_flow
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại quý I", actor=OFFICE,
                           topics=["Đất đai"])
    flow.announce(d.id, actor=OFFICE)
    page = desk
    with _app_server(flow, password_hash) as base:
        log_in(page, base, "tn", PASSWORD)
        page.goto(f"{base}/meetings/{d.id}")
        for n in range(1, 4):
            assert "content" == _focused_name(page), (
                f"before opinion {n} the focus is not in the content field ({page.url})")
            page.keyboard.type(f"Ý kiến số {n}.")  # into the focused field
            page.locator("form#intake input[name=topic]").fill("Đất đai")
            _submit(page, "form#intake")
        assert "content" == _focused_name(page), page.url
        texts = sorted(s.content for s in flow.submissions(dialogue_id=d.id).items)
        assert ["Ý kiến số 1.", "Ý kiến số 2.", "Ý kiến số 3."] == texts


def test_a_stale_form_after_another_clerks_change_is_a_conflict(
        browser: Browser, sqlite_flow: DialogueFlow, password_hash: str) -> None:
    """The chair and the deputy chair open the same matter in two browsers; the chair
    assigns it; the deputy's form still carries version 1: HTTP 409, "changed by someone
    else", and nothing of the deputy's is written (one new history row); the page's reload
    link leads back to the matter, now assigned, its forms carrying version 2."""
    flow = sqlite_flow
    s = receive(flow)
    rows_before = len(flow.history(s))
    with _app_server(flow, password_hash) as base:
        pages = []
        try:
            for login in ("bt", "pbt"):
                context = browser.new_context(viewport=DESK)  # type: ignore[arg-type]
                context.set_default_timeout(10_000)
                pages.append(context.new_page())
                log_in(pages[-1], base, login, PASSWORD)
                pages[-1].goto(f"{base}/matters/{s.id}")
            chair, deputy = pages
            chair.locator("form#form-assign input[name=department]").fill("Địa chính")
            _submit(chair, "form#form-assign")
            deputy.locator("form#form-assign input[name=department]").fill("Văn hóa")
            shoot(deputy, "20-conflict-stale-form.png")
            with deputy.expect_navigation():
                answer = deputy.locator("form#form-assign button[type=submit]")
                with deputy.expect_response(re.compile(r"/assign$")) as response:
                    answer.click()
            assert 409 == response.value.status
            shoot(deputy, "21-conflict.png")
            problem = deputy.locator("p.problem").inner_text()
            assert "người khác" in problem
            assert "tải lại" in problem.lower()
            after = flow.submission(s.id)
            assert (SubmissionState.ASSIGNED, "Địa chính", 2) == (
                after.state, after.responsible, after.version)
            assert rows_before + 1 == len(flow.history(after))
            with deputy.expect_navigation():
                deputy.locator("main a", has_text="Tải lại").click()
            assert f"{base}/matters/{s.id}" == deputy.url
            assert "Địa chính" in deputy.locator("dl.facts").inner_text()
            assert "2" == deputy.locator("form#form-assign input[name=version]").input_value()
            shoot(deputy, "22-conflict-reloaded.png")
        finally:
            for page in pages:
                page.context.close()


def test_a_citizen_looks_up_a_tracking_code_on_a_phone(
        browser: Browser, sqlite_flow: DialogueFlow, password_hash: str) -> None:
    """On a phone's screen a citizen types the tracking code: the state is shown, and
    neither the petitioner's name nor phone anywhere on the page; a mistyped code gets the
    not-found message."""
    flow = sqlite_flow
    s = receive(flow)
    code = s.tracking_code
    assert code
    context = browser.new_context(viewport=PHONE, is_mobile=True,  # type: ignore[arg-type]
                                  has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        with _app_server(flow, password_hash) as base:
            page.goto(f"{base}/status")
            shoot(page, "30-status-empty.png")
            page.locator("input[name=code]").fill(code)
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
            facts = page.locator("dl.status")
            assert code in facts.inner_text()
            assert SUBMISSION.labels["received"][0] == facts.locator("dd.state").inner_text()
            text = page.locator("body").inner_text()
            assert NAME not in text
            assert PHONE_NUMBER not in text
            assert NAME not in page.content()
            shoot(page, "31-status-phone.png")
            wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
            page.locator("input[name=code]").fill(wrong)
            with page.expect_navigation():
                page.locator("main form button[type=submit]").click()
            shoot(page, "32-status-wrong-code.png")
            assert page.locator("p.problem").is_visible()
            assert page.locator("dl.status").count() == 0
    finally:
        context.close()


def test_the_office_screens_fit_a_phone(browser: Browser, sqlite_flow: DialogueFlow,
                                       browser_clock: FixedClock,
                                       password_hash: str) -> None:
    """On a phone's screen the intake desk records an opinion at a held meeting, and no
    page of the office scrolls sideways: the dashboard, the meeting, a matter with its
    history (its table scrolls in its own box), the form to receive a matter."""
    flow = sqlite_flow
    d = flow.plan_dialogue(scheduled_for=DAY, title="Đối thoại quý I", actor=OFFICE,
                           topics=["Đất đai"])
    flow.announce(d.id, actor=OFFICE)
    browser_clock.set(DAY)
    flow.hold(d.id, actor=OFFICE)
    s = receive(flow)
    context = browser.new_context(viewport=PHONE, is_mobile=True,  # type: ignore[arg-type]
                                  has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()

    def fits(path: str) -> bool:
        # Not window.innerWidth: a mobile viewport zooms out to a wide page, and
        # innerWidth grows with it; the layout width (clientWidth) stays the phone's.
        page.goto(f"{base}{path}")
        width, layout = page.evaluate("[document.documentElement.scrollWidth, "
                                      "document.documentElement.clientWidth]")
        assert PHONE["width"] == layout, f"{path}: layout width {layout}"
        return bool(width <= layout)

    try:
        with _app_server(flow, password_hash) as base:
            log_in(page, base, "tn", PASSWORD)
            assert fits(f"/meetings/{d.id}")
            page.locator("form#intake input[name=topic]").fill("Đất đai")
            page.locator("form#intake textarea[name=content]").fill("Đường hỏng.")
            _submit(page, "form#intake")
            assert ["Đường hỏng."] == [x.content for x in
                                       flow.submissions(dialogue_id=d.id).items]
            shoot(page, "33-phone-intake.png")
            wide = [path for path in ("/", f"/meetings/{d.id}", f"/matters/{s.id}",
                                      "/matters/new", "/meetings") if not fits(path)]
            assert [] == wide
    finally:
        context.close()


def test_the_province_demo_served_shows_its_roll_up(browser: Browser, desk: Page,
                                                   tmp_path: Path) -> None:
    """``dialogue-flow demo --province`` then ``dialogue-flow serve`` with
    examples/web-province.toml: the province's chair sees its communes, the matters
    escalated to it, the 2026-H1 roll-up and both charts drawn; a commune's office gets
    403 there."""
    db = tmp_path / "prov.db"
    run_cli("demo", "--province", "--db", str(db), cwd=tmp_path)
    with served(db, REPO / "examples" / "web-province.toml", tmp_path) as base:
        log_in(desk, base, "tinhuy", PROVINCE_PASSWORD)
        desk.goto(f"{base}/province?period=2026-H1")
        communes = desk.locator("table#communes tbody tr")
        assert communes.count() >= 2
        assert desk.locator("ul#escalated li[data-matter]").count() >= 1
        assert desk.locator("table#rollup tbody tr").count() >= 3
        assert "21" == desk.locator("tr#rollup-total td").nth(1).inner_text()  # received
        charts = desk.locator("img.chart")
        assert 2 == charts.count()
        charts.nth(1).scroll_into_view_if_needed()
        desk.wait_for_load_state("load")
        widths = desk.eval_on_selector_all("img.chart", "all => all.map(i => i.naturalWidth)")
        assert all(w > 0 for w in widths), widths
        shoot(desk, "40-province.png")
        shoot(desk, "41-province-rollup.png", part=desk.locator("section.rollup"))
        log_out(desk)

        log_in(desk, base, "vanphong-maudong", PROVINCE_PASSWORD)
        answer = desk.goto(f"{base}/province?period=2026-H1")
        assert answer is not None
        assert 403 == answer.status
        shoot(desk, "42-province-refused.png")


def test_the_2021_commune_demo_served(browser: Browser, desk: Page, tmp_path: Path) -> None:
    """``dialogue-flow demo`` then ``dialogue-flow serve`` with examples/web-commune.toml:
    the office's dashboard lists the demo's open matters, a matter's page shows its
    history, the meetings' list the demo's two dialogues."""
    db = tmp_path / "commune.db"
    run_cli("demo", "--db", str(db), cwd=tmp_path)
    with served(db, REPO / "examples" / "web-commune.toml", tmp_path) as base:
        log_in(desk, base, "vanphong", COMMUNE_PASSWORD)
        matters = desk.locator("ul.matters li a[href^='/matters/']")
        assert matters.count() >= 1
        shoot(desk, "50-commune-dashboard.png")
        with desk.expect_navigation():
            matters.first.click()
        assert desk.locator("table.history tbody tr").count() >= 2
        shoot(desk, "51-commune-matter.png")
        with desk.expect_navigation():
            desk.click("nav a[href='/meetings']")
        assert desk.locator("table.meetings tbody tr a").count() >= 2
        shoot(desk, "52-commune-meetings.png")


# -- the app in a thread ---------------------------------------------------------------


def _app_server(flow: DialogueFlow, password_hash: str) -> AbstractContextManager[str]:
    """The web host of ``flow`` (web_support's users) served in a thread; its base URL."""
    return live_server(create_app(make_config(flow, password_hash)))
