"""Disclosure control that holds on the demo's published 表1 and 表2: a reader who takes the workbook
as printed, reads the relations off its headers (a 小计 = the columns under it but a "其中" one; the
总量 column = the 小计s and the single columns; the first row, the unit, = the rows under it; the
非常规 share = 小计 / 总量) and solves them (tests/attacker.py) recovers no "×" cell.

The demo withholds once-through cooling of two districts and the city, which protect each other
(the column has three unknowns; cooling is in no row sum). To see the complements at work the test
also marks two more cells as primary in a copy of a publication's frozen inputs, and builds that
publication twice: primary suppression only (the reader gets both cells back) and with the
complements (the reader gets nothing; the CSV/Parquet extracts carry the same marks).
"""
import csv
import shutil

import duckdb
import pyarrow.parquet as pq
import pytest

from dagster_project.exports.publication import build_outputs
from tests.attacker import determined, recover
from tests.conftest import table_rows

pytestmark = pytest.mark.pipeline

SHEETS = ("表1 分行业用水量", "表2 分水源供水量")
SHARE = "非常规水源占用水总量比例(%)"
COOLING = "工业用水/其中：直流火(核)电"


def read_back(book, sheet):
    """The published cells {(row label, column header): value} and the relations the layout shows."""
    table = table_rows(book, sheet)
    labels = list(table)
    unit, children = labels[0], labels[1:]
    headers = [h for h in table[unit] if "%" not in h]
    grand = next(h for h in headers if h.endswith("总量"))
    top = [h for h in headers if h != grand and ("/" not in h or h.endswith("/小计"))]
    groups = {h: [s for s in headers if s.startswith(h[:-len("小计")]) and s != h
                  and not s.split("/")[-1].startswith("其中")] for h in headers if h.endswith("/小计")}
    groups = {total: parts for total, parts in groups.items() if parts}  # 工业: only a "其中" under it
    relations = []
    for label in labels:
        relations.append(((label, grand), tuple((label, h) for h in top)))
        relations += [((label, total), tuple((label, p) for p in parts)) for total, parts in groups.items()]
    relations += [((unit, h), tuple((child, h) for child in children)) for h in headers]
    ratios = [((label, SHARE), (label, "其他(非常规)水源/小计"), (label, grand))
              for label in labels if SHARE in table[unit]]
    cells = {(label, h): v for label, row in table.items() for h, v in row.items()}
    return cells, relations, ratios


def withheld(cells):
    return {c for c, v in cells.items() if v == "×"}


def test_no_withheld_cell_of_the_demo_bulletins_can_be_recovered(demo_copy):
    books = sorted(demo_copy.exports.glob("水资源公报表_*.xlsx"))
    assert len(books) >= 3
    marked = 0
    for book in books:
        for sheet in SHEETS:
            cells, relations, ratios = read_back(book, sheet)
            marked += len(withheld(cells))
            assert recover(cells, relations, ratios) == {}, f"{book.name} {sheet}"
            assert determined(cells, relations) == set(), f"{book.name} {sheet}"
    assert marked >= 3 * len(books), "the demo withholds once-through cooling every year"


def planted(demo_copy, tmp_path, secondary: bool):
    """A copy of the 2021 publication's inputs with two more primary cells — a district's 公共用水
    (表1) and 地下水 (表2) — and the rule set as asked; the outputs built from it, and the district."""
    source = demo_copy.exports / "bulletin" / "2021" / "v001" / "inputs"
    inputs = tmp_path / f"inputs_{secondary}"
    shutil.copytree(source, inputs)
    con = duckdb.connect()
    district = con.execute(f"""
        select s.region_label from read_parquet('{source}/reports.rpt_bulletin_use_by_sector.parquet') s
        join read_parquet('{source}/reports.rpt_bulletin_use_by_source.parquet') g using (report_unit_code, region_code)
        where s.region_code <> s.report_unit_code and s.public_100m_m3 > 0.05 and g.ground_100m_m3 > 0.05
        order by s.sort_order limit 1""").fetchone()[0]
    code = con.execute(f"select region_code from read_parquet('{source}/marts.dim_regions.parquet') "
                       f"where region_name_zh = ?", [district]).fetchone()[0]
    cells = inputs / "marts.fct_disclosure_cells.parquet"
    con.execute(f"""copy (select * from read_parquet('{source}/marts.fct_disclosure_cells.parquet')
                          union all by name
                          select 2021 as report_year, '{code}' as region_code, cell_code, true as is_suppressed
                          from (values ('public'), ('ground')) v(cell_code)) to '{cells}' (format parquet)""")
    settings = inputs / "deployment.settings.parquet"
    con.execute(f"""copy (select key, case when key = 'rules.disclosure_secondary_suppression'
                                          then '{str(secondary).lower()}' else value end as value
                          from read_parquet('{source}/deployment.settings.parquet')) to '{settings}' (format parquet)""")
    truth = con.execute(f"""select s.public_100m_m3, g.ground_100m_m3
        from read_parquet('{source}/reports.rpt_bulletin_use_by_sector.parquet') s
        join read_parquet('{source}/reports.rpt_bulletin_use_by_source.parquet') g using (report_unit_code, region_code)
        where s.region_code = ? and s.report_unit_code = g.report_unit_code""", [code]).fetchone()
    con.close()
    out = tmp_path / f"out_{secondary}"
    build_outputs(inputs, 2021, out, "half_even")
    return out, district, truth


def test_primary_suppression_alone_lets_the_reader_recover_cells(demo_copy, tmp_path):
    out, district, (public, ground) = planted(demo_copy, tmp_path, secondary=False)
    book = out / "水资源公报表_2021.xlsx"
    sector, relations, _ = read_back(book, SHEETS[0])
    got = recover(sector, relations)
    assert {c for c in withheld(sector) if c[1] != COOLING} == {(district, "生活用水/公共用水")}
    assert got.keys() == {(district, "生活用水/公共用水")}
    assert got[(district, "生活用水/公共用水")] == pytest.approx(public, abs=0.02)  # up to rounding
    source, relations, ratios = read_back(book, SHEETS[1])
    got = recover(source, relations, ratios)
    assert got.keys() == {(district, "地下水")} and got[(district, "地下水")] == pytest.approx(ground, abs=0.02)


def test_complements_leave_nothing_to_recover_and_the_extracts_carry_them(demo_copy, tmp_path):
    out, district, _ = planted(demo_copy, tmp_path, secondary=True)
    book = out / "水资源公报表_2021.xlsx"
    for sheet, planted_cell in zip(SHEETS, ("生活用水/公共用水", "地下水")):
        cells, relations, ratios = read_back(book, sheet)
        marks = withheld(cells)
        assert (district, planted_cell) in marks
        assert len({c for c in marks if c[1] != COOLING}) >= 4  # a cycle: ≥ 2 rows × 2 columns
        assert recover(cells, relations, ratios) == {} and determined(cells, relations) == set()
        # the extracts: "×" in the CSV, null in the Parquet with the column named in _suppressed
        stem = sheet.replace(" ", "_")
        with open(out / "extracts" / f"{stem}.csv", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        in_csv = {(row[0], header) for row in rows[1:] for header, v in zip(rows[0], row) if v == "×"}
        parquet = pq.read_table(out / "extracts" / f"{stem}.parquet").to_pylist()
        in_parquet = {(r["地区"], h) for r in parquet for h in (r["_suppressed"] or "").split(",") if h}
        assert all(r[h] is None for r in parquet for h in (r["_suppressed"] or "").split(",") if h)
        assert in_csv == in_parquet == marks
