"""One agency across the names it is printed under, with its division code; a report's region is
its agency's, never the region of the portal that happened to re-post it."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select

from mirror.generate import generate_report
from mirror.render import render_html
from pipelines.parse import parse_bytes
from storage.agencies import agencies, aliases
from storage.api import Store
from storage.db import read_connection
from storage.divisions import locate
from storage.documents import portals
from storage.export import export
from tests.storage.helpers import archive, reports, store_parse


def _report(agency: str, year: int, seed: int = 0) -> bytes:
    return render_html(generate_report(random.Random(seed), agency=agency, year=year, fmt="2021"))


def _store(
    store: Store, url: str, body: bytes, *, portal: str | None = None, region: str | None = None
) -> None:
    if portal:
        store.upsert_portal(portal, level="county", region=region, family="trs", base_url=url)
    doc = archive(store, url, body, portal=portal)
    store_parse(store, doc, parse_bytes(body, url), portal=portal, region=region)


def _reports(store: Store) -> list[tuple]:  # type: ignore[type-arg]
    with read_connection(store.engine) as conn:
        return [
            tuple(row)
            for row in conn.execute(
                select(reports.c.agency, reports.c.year, reports.c.agency_id, reports.c.region).order_by(
                    reports.c.year
                )
            )
        ]


def test_a_division_name_chain_is_read_from_the_start_of_a_name() -> None:
    full = locate("江苏省淮安市洪泽区人民政府")
    assert full is not None and (full.division.code, full.prefix, full.organ) == (
        "320813",
        "江苏省淮安市洪泽区",
        "人民政府",
    )
    assert full.division.path == "江苏省淮安市洪泽区" and full.division.level == "county"
    assert locate("洪泽区人民政府").division == full.division  # type: ignore[union-attr]
    # 鼓楼区 is in Nanjing, Xuzhou, Fuzhou and Kaifeng: only a hint decides
    assert locate("鼓楼区人民政府") is None
    assert locate("鼓楼区人民政府", "江苏省南京市").division.code == "320106"  # type: ignore[union-attr]
    assert locate("福建省福州市鼓楼区人民政府").division.code == "350102"  # type: ignore[union-attr]
    assert locate("国家税务总局") is None


def test_names_with_and_without_the_parent_are_one_agency_across_years(store: Store, tmp_path: Path) -> None:
    _store(store, "https://www.hongze.gov.cn/ndbg/2023.html", _report("洪泽区人民政府", 2023))
    _store(store, "https://www.hongze.gov.cn/ndbg/2024.html", _report("淮安市洪泽区人民政府", 2024, seed=1))
    # a different organ of the same division stays apart
    _store(store, "https://www.hongze.gov.cn/ndbg/jyj.html", _report("洪泽区教育局", 2024, seed=2))

    rows = _reports(store)
    government = [r for r in rows if r[0] == "淮安市洪泽区人民政府"]
    assert [(r[1], r[3]) for r in government] == [(2023, "江苏省淮安市洪泽区"), (2024, "江苏省淮安市洪泽区")]
    assert government[0][2] == government[1][2]  # one agency_id: the canonical name is the fuller
    with read_connection(store.engine) as conn:
        found = conn.execute(select(agencies).order_by(agencies.c.id)).all()
        names = conn.execute(select(aliases.c.name, aliases.c.agency_id).order_by(aliases.c.name)).all()
    assert [(a.name, a.division_code, a.level) for a in found] == [
        ("淮安市洪泽区人民政府", "320813", "county"),
        ("洪泽区教育局", "320813", "county"),
    ]
    assert dict(names) == {
        "洪泽区人民政府": found[0].id,
        "淮安市洪泽区人民政府": found[0].id,
        "洪泽区教育局": found[1].id,
    }

    feed = export(store.engine, tmp_path / "feed")
    exported = pq.read_table(feed.directory / "reports.parquet").to_pylist()
    seen = {(r["year"], r["agency_as_printed"]): r for r in exported}
    assert set(seen) == {(2023, "洪泽区人民政府"), (2024, "淮安市洪泽区人民政府"), (2024, "洪泽区教育局")}
    for year, printed in ((2023, "洪泽区人民政府"), (2024, "淮安市洪泽区人民政府")):
        row = seen[year, printed]
        assert (row["agency_id"], row["agency"], row["division_code"]) == (
            found[0].id,
            "淮安市洪泽区人民政府",
            "320813",
        )
    facts = pq.read_table(feed.directory / "facts.parquet", columns=["agency_id", "agency_as_printed"])
    assert set(zip(*facts.to_pydict().values(), strict=True)) == {
        (found[0].id, "洪泽区人民政府"),
        (found[0].id, "淮安市洪泽区人民政府"),
        (found[1].id, "洪泽区教育局"),
    }


def test_a_parent_report_reposted_by_a_county_keeps_its_own_region(store: Store) -> None:
    """A county site re-posts its city's report (a mirror-like re-post): the report is the city's,
    crawled first by the county portal, then by the city's own and the province's."""
    city_report = _report("平顶山市人民政府", 2024)
    _store(
        store,
        "https://www.jiaxian.gov.cn/ndbg/psd.html",
        city_report,
        portal="jiaxian",
        region="河南省平顶山市郏县",
    )
    _store(
        store,
        "https://www.jiaxian.gov.cn/ndbg/jx.html",
        _report("郏县人民政府", 2024, seed=3),
        portal="jiaxian",
        region="河南省平顶山市郏县",
    )
    assert [(r[0], r[3]) for r in _reports(store)] == [
        ("平顶山市人民政府", "河南省平顶山市"),
        ("郏县人民政府", "河南省平顶山市郏县"),
    ]
    _store(
        store,
        "https://www.pds.gov.cn/ndbg/2024.html",
        city_report,
        portal="pingdingshan",
        region="河南省平顶山市",
    )
    _store(store, "https://www.henan.gov.cn/ndbg/psd.html", city_report, portal="henan", region="河南省")
    with read_connection(store.engine) as conn:
        filed = conn.execute(
            select(reports.c.agency, reports.c.region, portals.c.name)
            .join(portals, portals.c.id == reports.c.portal_id)
            .order_by(reports.c.agency)
        ).all()
    # the city's report is filed under the city's portal (which owns it), not the province's
    assert [tuple(row) for row in filed] == [
        ("平顶山市人民政府", "河南省平顶山市", "pingdingshan"),
        ("郏县人民政府", "河南省平顶山市郏县", "jiaxian"),
    ]


def test_a_region_from_a_portal_is_not_overwritten_by_another_portal(store: Store) -> None:
    """An agency whose name names no division takes the region of the portal that filed it; a
    second portal re-posting it changes neither its region nor its portal."""
    body = _report("县财政局", 2024, seed=4)
    _store(
        store, "https://www.jiaxian.gov.cn/ndbg/czj.html", body, portal="jiaxian", region="河南省平顶山市郏县"
    )
    _store(
        store, "https://www.pds.gov.cn/ndbg/czj.html", body, portal="pingdingshan", region="河南省平顶山市"
    )
    ((agency, year, _id, region),) = _reports(store)
    assert (agency, year, region) == ("县财政局", 2024, "河南省平顶山市郏县")


def test_an_ambiguous_name_is_the_agency_of_the_portals_division(store: Store) -> None:
    """鼓楼区人民政府 printed on Nanjing's and on Fuzhou's portal: two agencies, each under its
    full name, never one."""
    nanjing, fuzhou = _report("鼓楼区人民政府", 2024, seed=5), _report("鼓楼区人民政府", 2024, seed=6)
    _store(store, "https://www.nanjing.gov.cn/gl/2024.html", nanjing, portal="nanjing", region="江苏省南京市")
    _store(store, "https://www.fuzhou.gov.cn/gl/2024.html", fuzhou, portal="fuzhou", region="福建省福州市")
    _store(
        store,
        "https://www.nanjing.gov.cn/gl/2024b.html",
        nanjing + b" ",
        portal="nanjing",
        region="江苏省南京市",
    )
    with read_connection(store.engine) as conn:
        found = conn.execute(
            select(agencies.c.name, agencies.c.division_code).order_by(agencies.c.name)
        ).all()
    assert [tuple(row) for row in found] == [
        ("江苏省南京市鼓楼区人民政府", "320106"),
        ("福建省福州市鼓楼区人民政府", "350102"),
    ]
    assert sorted((r[0], r[3]) for r in _reports(store)) == [
        ("江苏省南京市鼓楼区人民政府", "江苏省南京市鼓楼区"),
        ("福建省福州市鼓楼区人民政府", "福建省福州市鼓楼区"),
    ]
