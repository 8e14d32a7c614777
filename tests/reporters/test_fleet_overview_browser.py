"""The fleet overview page in headless Chromium: it loads with no console message under its own
Content-Security-Policy, its one script sorts the schools, each school links to its latest report, and no value
from the history or a config becomes markup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from html_dom import parse
from sample_results import SCRIPT
from test_html_browser import run_chromium

from holyaudit.fleet.formats import OverviewFormat
from holyaudit.fleet.overview import FleetOverview, SchoolRow
from holyaudit.fleet.render import SORT_SCRIPT, render
from holyaudit.status import Severity

AS_OF = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)
NAMES = ["Oak Primary", f"Elm {SCRIPT}", "Ash Academy", "Yew School"]
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "p", "table", "thead", "tbody", "tr", "th",
             "td", "button", "a", "script"}  # fmt: skip


def school(site_id: str, name: str, critical: int, *, report: Path | None, stale: bool = False) -> SchoolRow:
    return SchoolRow(
        site_id,
        name,
        AS_OF - dt.timedelta(hours=8),
        1,
        failing={Severity.CRITICAL: critical, Severity.HIGH: 2, Severity.MEDIUM: 0, Severity.LOW: 1},
        not_checked=0,
        new=critical,
        resolved=0,
        waivers_expiring=0,
        last_success_at=AS_OF - dt.timedelta(hours=8),
        stale=stale,
        report=report,
    )


def test_the_overview_sorts_links_and_keeps_data_inert_in_a_browser(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    links = {}
    for site_id in ("oak", "elm", "ash"):
        links[site_id] = reports / site_id / "2026-12-06" / f"{site_id}.html"
        links[site_id].parent.mkdir(parents=True)
        links[site_id].write_text("<title>report</title>", encoding="utf-8")
    overview = FleetOverview(
        AS_OF,
        7,
        [
            school("oak", "Oak Primary", 1, report=links["oak"]),
            school("elm", f"Elm {SCRIPT}", 5, report=links["elm"]),
            school("ash", "Ash Academy", 3, report=links["ash"], stale=True),
            school("yew", "Yew School", 0, report=None, stale=True),
        ],
    )
    page = tmp_path / "overview" / "fleet.html"
    page.parent.mkdir()
    page.write_text(render(overview, OverviewFormat.HTML, page=page), encoding="utf-8")

    def schools_in_order(fragment: str) -> list[str]:
        text = parse(_dump(page, tmp_path, fragment)).text
        return sorted(NAMES, key=text.index)

    assert schools_in_order("") == NAMES
    assert schools_in_order("#sort=-critical") == [f"Elm {SCRIPT}", "Ash Academy", "Oak Primary", "Yew School"]
    assert schools_in_order("#sort=school") == ["Ash Academy", f"Elm {SCRIPT}", "Oak Primary", "Yew School"]
    assert schools_in_order("#sort=-stale")[:2] == ["Ash Academy", "Yew School"]

    dom = parse(_dump(page, tmp_path, ""))
    assert {e.tag for e in dom.elements} <= PAGE_TAGS
    assert len([e for e in dom.elements if e.tag == "script"]) == 1  # the page's own: none from the data
    assert dom.title == "Fleet overview, 2026-12-07 06:00 UTC"
    hrefs = [e.attrs["href"] for e in dom.elements if e.tag == "a"]
    assert hrefs == [f"../reports/{site}/2026-12-06/{site}.html" for site in ("oak", "elm", "ash")]
    assert all((page.parent / href).resolve() == links[site].resolve() for href, site in zip(hrefs, links, strict=True))
    assert [(e.tag, name) for e in dom.elements for name in e.attrs if name.startswith("on")] == []


def _dump(page: Path, work: Path, fragment: str) -> str:
    """The DOM once the page has loaded at ``page`` + ``fragment`` (its script has run), no console message."""
    return run_chromium(_Address(page.as_uri() + fragment), work, "--dump-dom")  # type: ignore[arg-type]


class _Address:
    """A page's address with a fragment (``#sort=...``), as a link to it would carry one."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def as_uri(self) -> str:
        return self.uri


def test_the_script_the_page_allows_is_the_one_it_runs() -> None:
    page = render(FleetOverview(AS_OF, 7, []), OverviewFormat.HTML)
    assert page.count("<script>") == 1
    assert f"<script>{SORT_SCRIPT}</script>" in page
