"""Write print-ready bulletin workbooks with XlsxWriter: tables laid out from a spec, native charts.

A TableSpec names its title, a unit line, a tree of (possibly merged) column headers, the decimals
per column and its notes; values are rounded once, here, at presentation. Every sheet prints on A4
with margins, repeated header rows, "第 X 页 共 Y 页" in the footer, widths and row heights that fit
the wrapped text, scaled to the page width only (a long table runs on to further pages, never
squeezed onto one). Charts are Excel charts over a data block on the 图 sheet, so staff can restyle
them. XlsxWriter rather than openpyxl: its charts, page setup and fixed zip times are complete.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

from dagster_project.lib.rounding import round_for_bulletin

SUPPRESSED = "×"  # a cell withheld by disclosure control (explained in the table's notes)
NO_DATA = "本年无数据"
FONT = "宋体"  # the font of Chinese official tables; Excel and LibreOffice substitute a CJK font
FONT_PT = 10.5  # 五号
LINE_PT = FONT_PT * 1.45  # a CJK line in Excel and Calc (CJK fonts carry a tall ascent and descent)
PAD_PT = 4
A4 = 9  # XlsxWriter's paper code
MARGIN_IN = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}
PRINTABLE_PT = {"portrait": (8.27 - 1.0) * 72, "landscape": (11.69 - 1.0) * 72}  # A4 width minus margins
FOOTER = "&C第 &P 页 共 &N 页"
MAX_TEXT_WIDTH = 34  # a text column wider than this (width units: 17 CJK characters) wraps
MAX_HEADER_LINES = 2  # a column is widened until its leaf header needs at most this many lines
CHART_PX = (640, 380)
CHART_ROWS = 20  # rows of the default height (20 px) a chart covers
CHART_DATA_WIDTHS = (24, 14)  # the 图 sheet's columns: the categories, then each series


@dataclass(frozen=True)
class Col:
    key: str  # key in the row dicts
    header: str | tuple[str, ...]  # ("农业用水", "其中：耕地灌溉") → merged parent over its children
    decimals: int | None = None  # None: text column
    figure: str | None = None  # the figure code a deployment's precision.csv names (docs/bulletin.md); default key
    row_decimals: str | None = None  # a row key holding this row's decimals (a column of mixed indicators)
    wrap_at: int = MAX_TEXT_WIDTH  # a text column's width (width units) beyond which its text wraps

    @property
    def path(self) -> tuple[str, ...]:
        return self.header if isinstance(self.header, tuple) else (self.header,)


@dataclass
class TableSpec:
    sheet: str
    title: str
    unit_line: str
    columns: list[Col]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    code: str = ""  # which table it is, whatever its number (bulletin_1 …): precision, labels, trace

    @property
    def header_depth(self) -> int:
        return max(len(c.path) for c in self.columns)


@dataclass(frozen=True)
class ChartSpec:
    """A native chart and the data block it plots (written above it on the 图 sheet)."""
    title: str
    kind: str  # column | line
    category_header: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    axis_title: str
    decimals: int
    target: tuple[str, float] | None = None  # a dashed reference line, e.g. ("2021年目标 8.1%", 8.1)


def width_units(text: str) -> float:
    """The column width (Excel's unit: the default font's digit, 5.25 pt) a text needs on one line."""
    return text_width_pt(text) / 5.25


def width_to_pt(width: float) -> float:
    """Excel's column width (characters of the default font's digit, 7 px, plus 5 px padding) in points."""
    return (width * 7 + 5) * 0.75


def text_width_pt(text: str) -> float:
    """The printed width of a text at FONT_PT: a CJK glyph is one em; a Latin one is taken at 0.6 em,
    as wide as digits and letters run in the CJK fonts that set them when the reader has no 宋体."""
    return sum(FONT_PT if ord(ch) > 0x2E80 else 0.6 * FONT_PT for ch in str(text))


def lines_needed(text: str, width_pt: float) -> int:
    """Lines a wrapped text takes in a cell this wide (explicit newlines start a line)."""
    usable = max(width_pt - PAD_PT, 1)
    return sum(max(1, math.ceil(text_width_pt(part) / usable)) for part in str(text).split("\n"))


def formatted(value, decimals: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str) or decimals is None:
        return str(value)
    return f"{value:.{decimals}f}"


class _Formats:
    """The workbook's cell formats, created once (XlsxWriter keeps one record per format)."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": FONT, "font_size": FONT_PT, "valign": "vcenter"}
        box = {**base, "border": 1}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"})
        self.unit_line = wb.add_format({**base, "align": "right"})
        self.header = wb.add_format({**box, "bold": True, "align": "center", "text_wrap": True})
        self.text = wb.add_format({**box, "align": "left"})
        self.wrapped = wb.add_format({**box, "align": "left", "text_wrap": True})
        self.mark = wb.add_format({**box, "align": "right"})
        self.no_data = wb.add_format({**box, "align": "center"})
        self.note = wb.add_format({**base, "align": "left", "valign": "top", "text_wrap": True})
        self.plain = wb.add_format(base)
        self._numbers = {d: wb.add_format({**box, "align": "right", "num_format": "0" if d == 0 else "0." + "0" * d})
                         for d in range(0, 7)}

    def number(self, decimals: int):
        return self._numbers[decimals]


def _column_widths(spec: TableSpec, cells: list[list[tuple[str, int | None]]]) -> list[float]:
    """Each column wide enough for its data (text up to its wrap_at, then wrapped) and for its
    leaf header in at most MAX_HEADER_LINES lines. A width unit is the default font's digit (7 px),
    a CJK glyph at FONT_PT two of them; + 1.5 for the cell's padding and border."""
    widths = []
    for j, col in enumerate(spec.columns):
        data = max((width_units(text) for text, _ in (row[j] for row in cells)), default=0)
        if col.decimals is None:
            data = min(data, col.wrap_at)
        header = width_units(col.path[-1]) / MAX_HEADER_LINES
        widths.append(max(6.0, math.ceil(max(data, header)) + 1.5))
    return widths


def _header_cells(spec: TableSpec) -> list[tuple[int, int, int, int, str]]:
    """(first_row, first_col, last_row, last_col, text) of each header cell, rows from 0: siblings
    sharing a parent are merged across, a leaf above the deepest level is merged down."""
    depth, paths = spec.header_depth, [c.path for c in spec.columns]
    cells = []
    for level in range(depth):
        j = 0
        while j < len(paths):
            path = paths[j]
            if level >= len(path):
                j += 1
                continue
            k = j
            while k + 1 < len(paths) and len(paths[k + 1]) > level and paths[k + 1][: level + 1] == path[: level + 1]:
                k += 1
            last_row = depth - 1 if level == len(path) - 1 else level
            cells.append((level, j, last_row, k, path[level]))
            j = k + 1
    return cells


def _fit_heights(heights: dict[int, float], first: int, last: int, needed: float) -> None:
    """Grow rows first..last (evenly) until together they are at least `needed` points tall."""
    have = sum(heights.get(r, LINE_PT + PAD_PT) for r in range(first, last + 1))
    if needed > have:
        extra = (needed - have) / (last - first + 1)
        for r in range(first, last + 1):
            heights[r] = heights.get(r, LINE_PT + PAD_PT) + extra


def table_layout(spec: TableSpec) -> tuple[int, int]:
    """(first header row, first data row) of a table on its sheet, rows from 0: the title in row 0,
    the unit line in row 1, header_depth header rows from row 2, then one row per spec row, columns
    in spec order. The writer and `waterstat trace` (exports/trace.py) both place cells by it."""
    top = 2
    return top, top + spec.header_depth


def write_table(wb: xlsxwriter.Workbook, spec: TableSpec, rounding_mode: str, fmt: _Formats) -> None:
    ws = wb.add_worksheet(spec.sheet)
    n = len(spec.columns)
    top, first = table_layout(spec)
    cells = [[written_value(row, col, rounding_mode) for col in spec.columns] for row in spec.rows]
    widths = _column_widths(spec, [[(formatted(v, d), d) for v, d in row] for row in cells])
    heights: dict[int, float] = {0: 26}
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)

    ws.merge_range(0, 0, 0, n - 1, spec.title, fmt.title)
    if spec.unit_line:
        ws.merge_range(1, 0, 1, n - 1, spec.unit_line, fmt.unit_line)
    for r0, c0, r1, c1, text in _header_cells(spec):
        if (r0, c0) == (r1, c1):
            ws.write_string(top + r0, c0, text, fmt.header)
        else:
            ws.merge_range(top + r0, c0, top + r1, c1, text, fmt.header)
        span_pt = sum(width_to_pt(w) for w in widths[c0:c1 + 1])
        _fit_heights(heights, top + r0, top + r1, lines_needed(text, span_pt) * LINE_PT + PAD_PT)

    for i, row in enumerate(cells):
        for j, (value, decimals) in enumerate(row):
            r = first + i
            if value is None:
                ws.write_blank(r, j, None, fmt.text)
            elif isinstance(value, str):
                wraps = spec.columns[j].decimals is None and width_units(value) > widths[j] - 1.5
                ws.write_string(r, j, value, fmt.wrapped if wraps else fmt.mark if decimals is not None else fmt.text)
                _fit_heights(heights, r, r, lines_needed(value, width_to_pt(widths[j])) * LINE_PT + PAD_PT)
            else:
                ws.write_number(r, j, value, fmt.number(decimals))
    last = first + len(cells)
    if not cells:  # the table's headers with one line saying so, never an empty grid
        ws.merge_range(first, 0, first, n - 1, NO_DATA, fmt.no_data)
        last += 1
    table_pt = sum(width_to_pt(w) for w in widths)
    for k, note in enumerate(numbered(spec.notes)):
        r = last + 1 + k
        ws.merge_range(r, 0, r, n - 1, note, fmt.note)
        _fit_heights(heights, r, r, lines_needed(note, table_pt) * LINE_PT + PAD_PT)
    for r, h in heights.items():
        ws.set_row(r, round(h, 1))

    ws.freeze_panes(first, 1)
    _page_setup(ws, table_pt, header_rows=(top, first - 1))


def numbered(notes: list[str]) -> list[str]:
    """The notes under a table as the national bulletin prints them: 注：… for one, 注1：… 注2：… for several."""
    return [f"注：{notes[0]}"] if len(notes) == 1 else [f"注{i}：{n}" for i, n in enumerate(notes, start=1)]


def written_value(row: dict, col: Col, rounding_mode: str) -> tuple[object, int | None]:
    """(value as written, decimals for a number): rounded once here; marks (×, —) stay text."""
    value = row.get(col.key)
    if col.decimals is None or value is None or isinstance(value, str):
        return value, col.decimals
    decimals = row.get(col.row_decimals, col.decimals) if col.row_decimals else col.decimals
    return round_for_bulletin(value, decimals, rounding_mode), decimals


def _page_setup(ws, content_pt: float, header_rows: tuple[int, int] | None = None,
                orientation: str | None = None, centered: bool = True) -> None:
    ws.set_paper(A4)
    orientation = orientation or ("portrait" if content_pt <= PRINTABLE_PT["portrait"] else "landscape")
    ws.set_landscape() if orientation == "landscape" else ws.set_portrait()
    ws.set_margins(**MARGIN_IN)
    ws.set_footer(FOOTER)
    if centered:
        ws.center_horizontally()
    if header_rows:
        ws.repeat_rows(*header_rows)
    ws.fit_to_pages(1, 0)  # the page width only: rows run on to further pages


def write_charts(wb: xlsxwriter.Workbook, charts: list[ChartSpec], fmt: _Formats, sheet: str = "图") -> None:
    """Each chart on a printed page of its own: the chart, then the data it plots below it."""
    ws = wb.add_worksheet(sheet)
    ws.set_column(0, 0, CHART_DATA_WIDTHS[0])
    ws.set_column(1, 4, CHART_DATA_WIDTHS[1])
    row, breaks = 0, []
    for spec in charts:
        if row:
            breaks.append(row)
        data_row = row + CHART_ROWS + 1
        columns = spec.series + ([(spec.target[0], [spec.target[1]] * len(spec.categories))] if spec.target else [])
        ws.set_row(data_row, max(lines_needed(name, width_to_pt(CHART_DATA_WIDTHS[1])) for name, _ in columns)
                   * LINE_PT + PAD_PT)
        ws.write_string(data_row, 0, spec.category_header, fmt.header)
        for i, c in enumerate(spec.categories, start=1):
            ws.write_string(data_row + i, 0, c, fmt.text)
        for s, (name, values) in enumerate(columns, start=1):
            ws.write_string(data_row, s, name, fmt.header)
            for i, v in enumerate(values, start=1):
                if v is None:
                    ws.write_blank(data_row + i, s, None, fmt.text)
                else:
                    ws.write_number(data_row + i, s, v, fmt.number(spec.decimals))
        ws.insert_chart(row, 0, _chart(wb, sheet, spec, data_row), {"x_offset": 4, "y_offset": 4})
        row = data_row + len(spec.categories) + 2
    ws.set_h_pagebreaks(breaks)
    _page_setup(ws, width_to_pt(CHART_DATA_WIDTHS[0]) + 4 * width_to_pt(CHART_DATA_WIDTHS[1]), orientation="portrait")


def label_width_px(spec: ChartSpec) -> float:
    """The widest data label of the chart at the default 9 pt label font (a digit ≈ 6.5 px)."""
    widest = max((abs(v) for _, values in spec.series for v in values if v is not None), default=0)
    digits = len(f"{widest:.{spec.decimals}f}")
    return (digits + 1) * 6.5


def _chart(wb: xlsxwriter.Workbook, sheet: str, spec: ChartSpec, data_row: int):
    """The chart over its data block: the series in columns 1…, the target (if any) after them."""
    font = {"name": FONT}
    chart = wb.add_chart({"type": spec.kind})
    last = data_row + len(spec.categories)
    categories = [sheet, data_row + 1, 0, last, 0]
    colours = ["#4E79A7", "#F28E2B", "#59A14F", "#76B7B2"]
    number_format = "0" if spec.decimals == 0 else "0." + "0" * spec.decimals
    # a label wider than its bar's slot would run into its neighbours' labels: stand it upright
    slot_px = CHART_PX[0] * 0.85 / max(1, len(spec.categories) * len(spec.series))
    label_font = {**font, "rotation": -90} if label_width_px(spec) > slot_px else font
    for s in range(1, len(spec.series) + 1):
        series = {"name": [sheet, data_row, s], "categories": categories, "values": [sheet, data_row + 1, s, last, s],
                  "data_labels": {"value": True, "num_format": number_format, "font": label_font}}
        if spec.kind == "line":
            series.update(marker={"type": "circle"}, line={"color": colours[s - 1]})
        else:
            series.update(fill={"color": colours[s - 1]}, gap=80)
        chart.add_series(series)
    if spec.target:
        s = len(spec.series) + 1
        line = wb.add_chart({"type": "line"})
        line.add_series({"name": [sheet, data_row, s], "categories": categories,
                         "values": [sheet, data_row + 1, s, last, s],
                         "line": {"color": "#E15759", "dash_type": "dash"}, "marker": {"type": "none"}})
        chart.combine(line)
    chart.set_title({"name": spec.title, "name_font": {**font, "size": 12}})
    chart.set_x_axis({"num_font": {**font, "rotation": -45 if len(spec.categories) > 6 else 0}})
    chart.set_y_axis({"name": spec.axis_title, "name_font": font, "num_font": font,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom", "font": font} if len(spec.series) > 1 or spec.target
                     else {"none": True})
    chart.set_size({"width": CHART_PX[0], "height": CHART_PX[1]})
    return chart


def write_notes(wb: xlsxwriter.Workbook, title: str, lines: list[str], fmt: _Formats) -> None:
    """The 说明 sheet: one wrapped paragraph per line, on portrait A4."""
    ws = wb.add_worksheet(title)
    width = 92  # characters: the printable width of portrait A4 at the default digit width
    ws.set_column(0, 0, width)
    for i, line in enumerate(lines):
        ws.write_string(i, 0, line, fmt.note)
        ws.set_row(i, round(lines_needed(line, width_to_pt(width)) * LINE_PT + PAD_PT, 1))
    # not centred: LibreOffice shifts a centred page of wrapped paragraphs off its left edge
    _page_setup(ws, width_to_pt(width), orientation="portrait", centered=False)


def write_workbook(path: Path, specs: list[TableSpec], notes_sheet: tuple[str, list[str]] | None = None,
                   rounding_mode: str = "half_even", charts: list[ChartSpec] = (),
                   stamp: datetime | None = None) -> Path:
    """Tables, then the 图 sheet (if any chart), then the notes sheet. The file is reproducible:
    XlsxWriter writes fixed zip times, and the document times are the stamp."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xlsx.part")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"created": stamp or datetime(2000, 1, 1), "author": "WaterStat"})
    fmt = _Formats(wb)
    for spec in specs:
        write_table(wb, spec, rounding_mode, fmt)
    if charts:
        write_charts(wb, list(charts), fmt)
    if notes_sheet:
        write_notes(wb, *notes_sheet, fmt)
    wb.close()
    tmp.replace(path)  # never leave a half-written workbook under the published name
    return path
