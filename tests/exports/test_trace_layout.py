"""A cell address → (spec row, column) by the writer's own layout (workbook.table_layout), on
hand-made tables: what the trace finds at an address is what the writer put there."""
import pytest
from openpyxl import load_workbook

from dagster_project.exports.trace import TraceError, spec_position
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
