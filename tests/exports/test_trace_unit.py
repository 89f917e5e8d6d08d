"""The pure parts of `waterstat trace`: a cell address → (spec row, column) by the writer's own
layout (workbook.table_layout), on hand-made tables, so what the trace finds at an address is what
the writer put there; and the checks it prints (the sum check, a correction since publication)."""
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dagster_project.exports.trace import Lineage, PublishedCell, Rows, TraceError, spec_position
from dagster_project.exports.trace_output import checks
from dagster_project.exports.workbook import Col, TableSpec, write_workbook


def two_level() -> TableSpec:
    return TableSpec(sheet="表1 测试", title="表1  测试", unit_line="单位：亿m³",
                     columns=[Col("label", "地区"), Col("a", ("甲", "小计"), 2), Col("b", ("甲", "其中")), Col("t", "合计", 2)],
                     rows=[{"label": "全市", "a": 1.234, "b": "×", "t": 3.0},
                           {"label": "甲县", "a": 0.5, "b": "—", "t": 1.25}])


def one_level() -> TableSpec:
    return TableSpec(sheet="表2 测试", title="表2", unit_line="", columns=[Col("label", "地区"), Col("v", "值", 1)],
                     rows=[{"label": "全市", "v": 7.0}])


@pytest.mark.parametrize("spec, address, expected", [
    (two_level(), "A5", (0, 0)),  # title, unit line, two header rows: data from row 5
    (two_level(), "b6", (1, 1)),
    (two_level(), "D5", (0, 3)),
    (one_level(), "B4", (0, 1)),  # one header row: data from row 4
])
def test_an_address_maps_to_its_spec_row_and_column(spec, address, expected):
    assert spec_position(spec, address) == expected


@pytest.mark.parametrize("spec, address, data_range", [
    (two_level(), "B4", "A5:D6"),  # a header cell
    (two_level(), "B7", "A5:D6"),  # below the last row: the notes
    (two_level(), "E5", "A5:D6"),  # right of the last column
    (one_level(), "B3", "A4:B4"),
])
def test_a_cell_outside_the_data_names_the_data_range(spec, address, data_range):
    with pytest.raises(TraceError, match=data_range):
        spec_position(spec, address)


def test_a_malformed_address_is_refused():
    with pytest.raises(TraceError, match="不是单元格地址"):
        spec_position(two_level(), "5B")


def test_the_writer_puts_each_row_and_column_where_the_trace_looks(tmp_path):
    specs = [two_level(), one_level()]
    book = write_workbook(tmp_path / "t.xlsx", specs)
    wb = load_workbook(book)
    for spec in specs:
        for address, (i, j) in [(f"{c}{r}", spec_position(spec, f"{c}{r}"))
                                for c in "ABCD"[:len(spec.columns)] for r in range(4, 7)
                                if _inside(spec, f"{c}{r}")]:
            value = spec.rows[i][spec.columns[j].key]
            shown = wb[spec.sheet][address].value
            assert shown == (round(value, spec.columns[j].decimals) if isinstance(value, float) else value), address


def _inside(spec, address) -> bool:
    try:
        spec_position(spec, address)
        return True
    except TraceError:
        return False


def published(frozen: float, value) -> PublishedCell:
    return PublishedCell(workbook=Path("b.xlsx"), version_dir=Path("v001"), year=2021, unit="1", version=1,
                         rounding_mode="half_even", table_code="bulletin_1", sheet="表1", address="E6",
                         region_code="2", region_label="甲县", column_key="industry_100m_m3", header="工业用水/小计",
                         unit_line="单位：亿m³", decimals=2, value=value, frozen_value=frozen)


def lineage_with(warehouse_value: float, detail_m3: float) -> Lineage:
    return Lineage(model="rpt_bulletin_use_by_sector", column="industry_100m_m3", keys={}, warehouse_value=warehouse_value,
                   mart="mart_water_use_by_region", mart_value="industry_m3", mart_figure_m3=detail_m3,
                   fct_filter="sector_code = 'industry'", fct_rows=Rows([], []), detail_rows=Rows([], []),
                   loads=Rows([], []), detail_sum_m3=detail_m3)


def test_the_sum_check_holds_when_nothing_changed_since_publication():
    lines = checks(published(0.91079, 0.91), lineage_with(0.91079, 91_079_000.0))
    assert len(lines) == 2 and all(line.endswith("一致") and "不一致" not in line for line in lines)


def test_a_correction_since_publication_is_said():
    lines = checks(published(0.91079, 0.91), lineage_with(0.96, 96_000_000.0))
    assert lines[0].endswith("：一致")  # today's rows still add up to today's figure
    assert lines[1].endswith("不一致")  # but not to what was published
    assert "发布后数据已更正" in lines[2] and "0.91079" in lines[2] and "0.96" in lines[2]


def test_a_suppressed_cell_is_checked_before_rounding_only():
    lines = checks(published(0.91079, "×"), lineage_with(0.91079, 91_079_000.0))
    assert len(lines) == 1 and lines[0].endswith("一致")


def test_every_row_traced_model_names_known_inputs_and_real_columns():
    """meta.trace of the row-traced report models (dbt/models/reports/_reports.yml): every input kind
    is a query trace_rows has, every indicator a 表3 column, every by_column a 表6 column; and every
    table of the bulletin and assessment workbooks is either traced by volume or row by row."""
    import csv

    from dagster_project.exports.bulletin import indicator_columns
    from dagster_project.exports.trace import TABLE_MODELS, model_trace_meta, trace_meta
    from dagster_project.exports.trace_rows import INPUT_KINDS
    from dagster_project.lib.repo_paths import DBT_PROJECT_DIR

    meta = model_trace_meta()
    volume_models = {m for m, _ in trace_meta()}
    assert set(TABLE_MODELS.values()) <= set(meta) | volume_models
    catalog = {r["indicator_code"] for r in csv.DictReader(
        (DBT_PROJECT_DIR / "seeds" / "indicator_catalog.csv").open(encoding="utf-8"))}
    table_3 = {code for code, _ in indicator_columns(None)}
    for model, m in meta.items():
        assert {"mart", "mart_where"} <= set(m), model
        assert set(m.get("inputs", [])) <= set(INPUT_KINDS), model
        for code, use in m.get("by_indicator", {}).items():
            assert code in catalog and code in table_3 and "fct_water_use" in use and "economy" in use, code
        assert m.get("indicator_inputs", model) in meta, model
    consumption = meta["rpt_bulletin_consumption"]["by_column"]
    assert {"total_consumption_10k_m3", "consumption_rate_pct"} <= set(consumption)


def test_a_query_is_given_only_the_parameters_it_uses():
    from dagster_project.exports.trace_rows import bind

    params = {"year": 2021, "region": "1", "uscc": None, "task_id": "T1"}
    assert bind("select 1 where report_year = $year and (uscc = $uscc or $uscc is null)", params) == \
        {"year": 2021, "uscc": None}
    assert bind("select 1", params) == {}
