"""The province's screens (issue 19): its communes' open and overdue matters, the matters
escalated to it and the roll-up with its charts, on the store of ``dialogue-flow demo
--province``, shown to the province's chair and refused to a commune's office."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dialogue_flow_web import User, WebConfig, config_from_settings, create_app
from starlette.testclient import TestClient
from web_support import SECRET, log_in

from dialogue_flow import Actor, DialogueFlow, FixedClock, Role
from dialogue_flow._province_demo import run_province_demo
from dialogue_flow.storage import OPEN_WITH_CLOCK

#: The fixtures (a module, not a conftest.py: see web_fixtures).
pytest_plugins = ["web_fixtures"]

PROVINCE = "tinh-mau"
COMMUNES = ("xa-mau-dong", "xa-mau-tay", "phuong-mau-nam")
PROVINCE_CHAIR = Actor(f"chair.{PROVINCE}", "Bí thư Tỉnh ủy", Role.CHAIR,
                       organisation_id=PROVINCE)
COMMUNE_OFFICE = Actor("office.xa-mau-dong", "Văn phòng Đảng ủy xã Mẫu Đông", Role.OFFICE,
                       organisation_id="xa-mau-dong")
#: The demo's petitioners (names and phones the pages must never show).
DEMO_NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung",
              "Hoàng Văn Em")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store of the province demo, written once for the module."""
    url = f"sqlite:///{tmp_path_factory.mktemp('province') / 'province.db'}"
    run_province_demo(url, echo=lambda _: None)
    return url


@pytest.fixture(scope="module")
def demo(demo_url: str) -> Iterator[DialogueFlow]:
    """The province demo, opened on its last day."""
    with DialogueFlow.open(demo_url, clock=FixedClock(dt.date(2026, 5, 15))) as flow:
        yield flow


@pytest.fixture
def province_client(demo: DialogueFlow, password_hash: str) -> TestClient:
    users = {a.id: User(a, password_hash) for a in (PROVINCE_CHAIR, COMMUNE_OFFICE)}
    config = WebConfig(open_flow=lambda: demo, users=users, secret_key=SECRET)
    return TestClient(create_app(config))


def _chair(client: TestClient) -> TestClient:
    log_in(client, PROVINCE_CHAIR.id)
    return client


def _cell(html: str, org: str, column: str) -> int:
    row = re.search(rf'<tr data-organisation="{org}">(.*?)</tr>', html, re.DOTALL)
    assert row is not None, f"no row for {org}"
    found = re.search(rf'<td class="{column}"><a [^>]*>(\d+)</a>', row.group(1))
    assert found is not None
    return int(found.group(1))


def test_the_province_page_counts_each_communes_open_and_overdue_matters(
        province_client: TestClient, demo: DialogueFlow) -> None:
    """One row per commune under the province, its counts the library's totals, each a link
    to the list it counts."""
    page = _chair(province_client).get("/province")
    assert 200 == page.status_code, page.text
    today = demo.clock.today()
    for org in COMMUNES:
        open_total = demo.submissions(organisation=org, subtree=True, state=OPEN_WITH_CLOCK,
                                      limit=1).total
        overdue_total = demo.submissions(organisation=org, subtree=True, overdue_as_of=today,
                                         limit=1).total
        assert (open_total, overdue_total) == (_cell(page.text, org, "open"),
                                               _cell(page.text, org, "overdue"))
        listed = province_client.get(f"/province/matters?organisation={org}&show=overdue")
        assert 200 == listed.status_code
        shown = set(re.findall(r'data-matter="([^"]+)"', listed.text))
        expected = demo.submissions(organisation=org, subtree=True, overdue_as_of=today,
                                    limit=1000).items
        assert {s.id for s in expected} == shown
    assert 3 == len(re.findall(r"<tr data-organisation=", page.text))
    assert open_total > 0  # the demo leaves work open in every commune


def test_the_escalated_list_is_the_matters_transferred_to_the_province(
        province_client: TestClient, demo: DialogueFlow) -> None:
    page = _chair(province_client).get("/province")
    block = page.text.split('id="escalated"', 1)[1].split("</section>", 1)[0]
    shown = re.findall(r'data-matter="([^"]+)"', block)
    expected = [s.id for s in demo.submissions(organisation=PROVINCE, limit=1000).items
                if s.origin_id is not None]
    assert expected
    assert sorted(expected) == sorted(shown)
    assert len(shown) == len(set(shown))


def test_the_rollup_total_is_the_librarys(province_client: TestClient,
                                          demo: DialogueFlow) -> None:
    """The default period is the current half year; a chosen period is read from the form;
    a period that is not one is 400 with the library's message."""
    client = _chair(province_client)
    for query, period in (("", "2026-H1"), ("?period=2026-Q1", "2026-Q1")):
        page = client.get(f"/province{query}")
        total = re.search(r'id="rollup-total"><td>[^<]*</td><td>(\d+)</td>', page.text)
        assert total is not None
        assert demo.rollup(period, organisation=PROVINCE).total.received == int(total[1])
        assert f'value="{period}"' in page.text
    assert demo.rollup("2026-H1", organisation=PROVINCE).total.received > 0
    # The cells are the library's roll-up table's, the rate with a Vietnamese decimal comma.
    rate = demo.rollup("2026-Q1", organisation=PROVINCE).total.on_time_rate
    assert rate is not None
    assert f"{100 * rate:.1f} %".replace(".", ",") in page.text
    bad = client.get("/province?period=2026-H3")
    assert 400 == bad.status_code
    assert "period" in bad.text


def test_a_chart_is_served_as_svg(province_client: TestClient) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("dialogue_flow_docx")
    client = _chair(province_client)
    page = client.get("/province")
    sources = re.findall(r'<img src="([^"]+)"', page.text)
    assert 2 == len(sources)
    for source in sources:
        chart = client.get(source.replace("&amp;", "&"))
        assert 200 == chart.status_code
        assert chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.text.lstrip().startswith(("<?xml", "<svg"))
    assert 404 == client.get("/province/charts/nothing.svg").status_code


def test_without_a_chart_plugin_the_charts_are_tables(
        province_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from dialogue_flow import ConfigurationError, DialogueFlow  # noqa: PLC0415

    def no_plugin(*_args: object, **_kwargs: object) -> bytes:
        raise ConfigurationError("install dialogue-flow-docx[charts]")

    monkeypatch.setattr(DialogueFlow, "render_chart", no_plugin)
    client = _chair(province_client)
    page = client.get("/province")
    assert 200 == page.status_code
    assert "<img" not in page.text
    assert 2 == page.text.count('class="chart-data"')
    assert 404 == client.get("/province/charts/on_time_rate.svg").status_code


def test_a_commune_actor_is_refused_the_province_pages(province_client: TestClient) -> None:
    """403: the actor is known, the pages are no secret, its organisation is not a
    province; nor does its nav show the link."""
    log_in(province_client, COMMUNE_OFFICE.id)
    for path in ("/province", "/province/matters?organisation=xa-mau-dong",
                 "/province/charts/on_time_rate.svg"):
        assert 403 == province_client.get(path).status_code, path
    assert 'href="/province"' not in province_client.get("/").text


def test_logged_out_is_sent_to_log_in(province_client: TestClient) -> None:
    answer = province_client.get("/province", follow_redirects=False)
    assert (303, "/login") == (answer.status_code, answer.headers["location"])


def test_a_list_of_an_organisation_outside_the_province_is_not_found(
        province_client: TestClient) -> None:
    client = _chair(province_client)
    assert 404 == client.get("/province/matters?organisation=elsewhere").status_code
    assert 404 == client.get("/province/matters?organisation=xa-mau-tay&show=x").status_code


def test_no_petitioner_name_or_phone_on_the_province_pages(
        province_client: TestClient, demo: DialogueFlow) -> None:
    client = _chair(province_client)
    assert 'href="/province"' in client.get("/").text  # the nav's link
    pages = [client.get("/province").text, client.get("/province?lang=en").text]
    pages.extend(client.get(f"/province/matters?organisation={org}&show={show}").text
                 for org in COMMUNES for show in ("open", "overdue"))
    phones = {s.petitioner.phone for s in demo.iter_submissions()
              if s.petitioner is not None and s.petitioner.phone}
    assert phones
    for html in pages:
        for secret in (*DEMO_NAMES, *phones):
            assert secret not in html


def test_the_example_settings_serve_the_province_demo(demo_url: str) -> None:
    """examples/web-province.toml, as docs/web.md tells: its province chair logs in with the
    demo password the docs give and sees the Province page of the demo's store."""
    root = Path(__file__).resolve().parents[3]
    password = "tinh-mau-demo-2026"
    assert password in (root / "docs" / "web.md").read_text("utf-8")
    config = config_from_settings(root / "examples" / "web-province.toml", storage=demo_url,
                                  secret_key=SECRET)
    assert {"tinhuy", "vanphong-tinh", "vanphong-maudong"} == set(config.users)
    with TestClient(create_app(config)) as client:  # the flow closed when it ends
        log_in(client, "tinhuy", password)
        page = client.get("/province?period=2026-H1")
        assert 200 == page.status_code
        assert 3 == len(re.findall(r"<tr data-organisation=", page.text))
        log_in(client, "vanphong-maudong", password)
        assert 403 == client.get("/province").status_code
