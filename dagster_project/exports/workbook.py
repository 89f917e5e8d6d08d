"""Write bulletin-style tables with openpyxl from a table spec (not DataFrame.to_excel).

A TableSpec names its title, a unit line, a tree of (possibly merged) column headers, the
number of decimals per column and its notes; values are rounded once, here, at presentation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from dagster_project.lib.rounding import round_for_bulletin

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class Col:
    key: str  # key in the row dicts
    header: str | tuple[str, ...]  # ("农业用水", "其中：耕地灌溉") → merged parent over its children
    decimals: int | None = None  # None: text column


@dataclass
class TableSpec:
    sheet: str
    title: str
    unit_line: str
    columns: list[Col]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def header_depth(self) -> int:
        return max(len(c.header) if isinstance(c.header, tuple) else 1 for c in self.columns)


def display_width(text: str) -> int:
    """CJK characters take two columns in Excel's default font."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _write_headers(ws, spec: TableSpec, top: int) -> None:
    depth = spec.header_depth
    paths = [c.header if isinstance(c.header, tuple) else (c.header,) for c in spec.columns]
    for level in range(depth):
        j = 0
        while j < len(paths):
            path = paths[j]
            if level >= len(path):
                j += 1
                continue
            # siblings sharing the same parent path at this level are merged horizontally
            k = j
            while k + 1 < len(paths) and len(paths[k + 1]) > level and paths[k + 1][: level + 1] == path[: level + 1]:
                k += 1
            row = top + level
            ws.cell(row, j + 1, path[level])
            last_row = top + depth - 1 if level == len(path) - 1 else row  # leaf: merge down
            if k > j or last_row > row:
                ws.merge_cells(start_row=row, start_column=j + 1, end_row=last_row, end_column=k + 1)
            j = k + 1
    for r in range(top, top + depth):
        for c in range(1, len(spec.columns) + 1):
            cell = ws.cell(r, c)
            cell.alignment, cell.border, cell.font = CENTER, BOX, Font(bold=True)


def write_table(ws, spec: TableSpec, rounding_mode: str) -> None:
    n = len(spec.columns)
    ws.cell(1, 1, spec.title).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(2, n, spec.unit_line).alignment = Alignment(horizontal="right")
    _write_headers(ws, spec, top=3)
    first = 3 + spec.header_depth
    for i, row in enumerate(spec.rows):
        for j, col in enumerate(spec.columns, start=1):
            value = row.get(col.key)
            cell = ws.cell(first + i, j)
            if col.decimals is None:
                cell.value = value
            else:
                cell.value = round_for_bulletin(value, col.decimals, rounding_mode)
                cell.number_format = "0" if col.decimals == 0 else "0." + "0" * col.decimals
                cell.alignment = Alignment(horizontal="right")
            cell.border = BOX
    for k, note in enumerate(spec.notes):
        ws.cell(first + len(spec.rows) + 1 + k, 1, note)
    for j, col in enumerate(spec.columns, start=1):
        texts = [col.header[-1] if isinstance(col.header, tuple) else col.header] + \
                [str(r.get(col.key, "")) for r in spec.rows if col.decimals is None]
        ws.column_dimensions[get_column_letter(j)].width = max(10, max(map(display_width, texts)) + 2)
    ws.freeze_panes = ws.cell(first, 2)
    ws.print_title_rows = f"3:{first - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def write_workbook(path: Path, specs: list[TableSpec], notes_sheet: tuple[str, list[str]],
                   rounding_mode: str = "half_even") -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for spec in specs:
        write_table(wb.create_sheet(spec.sheet), spec, rounding_mode)
    title, lines = notes_sheet
    ws = wb.create_sheet(title)
    for i, line in enumerate(lines, start=1):
        ws.cell(i, 1, line)
    ws.column_dimensions["A"].width = 120
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xlsx.part")
    wb.save(tmp)
    tmp.replace(path)  # never leave a half-written workbook under the published name
    return path
