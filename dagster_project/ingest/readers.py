"""Read one raw file into an Arrow table of canonical text columns, or raise a ContractError.

Values stay text here (cast in dbt staging); only header matching, encoding and layout are
resolved, so a file either lands whole with row-level lineage or is rejected with one message.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from dagster_project.ingest.csv_text import data_row_lines, decode, decode_csv, physical_lines
from dagster_project.ingest.raw_files import conversion_advice
from dagster_project.lib.contracts import VOLUME_UNITS, Column, ContractError, Source

__all__ = ["ContractError", "decode", "read_file", "read_source_file"]

HEADER_SCAN_ROWS = 12
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # Compound File Binary: .xls, .et, and encrypted OOXML
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx (and .ods, .xlsb)


def normalise(text: object) -> str:
    """Header/value normal form: NFKC (full-width → ASCII, m³ → m3), no spaces, lower case."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"\s+", "", s).replace("（", "(").replace("）", ")")


def unit_in_header(header: str) -> str | None:
    h = normalise(header)
    for unit in sorted(VOLUME_UNITS, key=len, reverse=True):
        if normalise(unit) in h:
            return unit
    return None


def best_header(candidates: list[tuple[int, list[str]]], source: Source, file: Path
                ) -> tuple[int, list[str], dict[str, int]]:
    """The candidate header (row index, texts) matching most contract columns; when none has
    every required column, the message names what is missing from the closest one."""
    scored = []
    for row, headers in candidates:
        normalised = {normalise(h) for h in headers if h}
        hits = sum(any(normalise(a) in normalised or any(h.startswith(normalise(a) + "(") for h in normalised)
                       for a in c.aliases) for c in source.columns)
        scored.append((hits, -row, row, headers))
    if not scored:
        raise ContractError(file, "no_header", "no header row found")
    _, _, row, headers = max(scored)
    return row, headers, match_columns(headers, source, file)


def match_columns(headers: list[str], source: Source, file: Path) -> dict[str, int]:
    """Map canonical column name → header position; reject missing required columns."""
    normalised = [normalise(h) if h is not None else "" for h in headers]
    found: dict[str, int] = {}
    for col in source.columns:
        for alias in map(normalise, col.aliases):
            hits = [i for i, h in enumerate(normalised)
                    if h == alias or (col.unit_from_header and h.startswith(alias + "("))]
            if hits:
                found[col.name] = hits[0]
                break
    missing = [c for c in source.columns if c.required and c.name not in found
               and not (c.name == "report_year" and source.extra.get("year_from_title"))]
    if missing:
        names = ", ".join(f"{c.name} ({c.aliases[0]})" for c in missing)
        raise ContractError(file, "missing_column", f"required column(s) not found: {names}; "
                            f"headers seen: {[h for h in headers if h]}")
    return found


def _clean_value(value: object, col: Column) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text == "":
        return None
    return text if col.kind == "text" else unicodedata.normalize("NFKC", text).replace(",", "")


def _to_table(source: Source, found: dict[str, int], headers: list[str], rows: list[tuple[int, list]],
              source_file: Path, defaults: dict[str, str] | None = None) -> pa.Table:
    data: dict[str, list] = {"_source_row_number": [r for r, _ in rows]}
    for col in source.columns:
        idx = found.get(col.name)
        fallback = (defaults or {}).get(col.name)
        data[col.name] = [(_clean_value(v[idx], col) if idx is not None and idx < len(v) else None)
                          or fallback for _, v in rows]
        if col.unit_from_header:
            unit = unit_in_header(headers[idx]) if idx is not None else None
            if idx is not None and unit is None:
                raise ContractError(source_file, "unit_missing", f"header {headers[idx]!r} names no volume unit "
                                    f"(expected one of {', '.join(VOLUME_UNITS)})", column=headers[idx])
            data[f"{col.name}_unit"] = [unit] * len(rows)
    return pa.table({k: pa.array(v, type=pa.int64() if k == "_source_row_number" else pa.string())
                     for k, v in data.items()})


def read_csv(path: Path, source: Source) -> pa.Table:
    data = path.read_bytes()
    text, encoded = decode_csv(data, path)  # Arrow reads UTF-8
    first_lines = physical_lines(text[: 1 << 16])[:HEADER_SCAN_ROWS]
    # the header may sit below a title line or two, as in some platform exports
    skip, header, found = best_header([(i, next(csv.reader([line]), [])) for i, line in enumerate(first_lines)],
                                      source, path)
    try:
        table = pacsv.read_csv(
            io.BytesIO(encoded),
            read_options=pacsv.ReadOptions(skip_rows=skip),
            # a quoted field may hold a line break: then Arrow must not cut blocks at line ends
            parse_options=pacsv.ParseOptions(newlines_in_values=b'"' in encoded),
            # every column as text, exactly as received (no timestamp/number inference)
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        raise ContractError(path, "malformed_csv", str(exc).splitlines()[0]) from exc
    n = table.num_rows
    if n == 0:
        raise ContractError(path, "no_rows", "header present but no data rows")
    lines = data_row_lines(encoded, text, skip, n, path)  # the file's own line numbers
    if len(lines) != n:  # cannot happen for a file Arrow parsed; never record wrong lineage if it does
        raise ContractError(path, "malformed_csv", f"{n} records read but {len(lines)} found by line")
    cols = {"_source_row_number": pa.array(lines, type=pa.int64())}
    for col in source.columns:
        idx = found.get(col.name)
        # exactly as received; full-width digits are read by the ws_* parsers (dbt/macros/ws_functions.sql)
        cols[col.name] = table.column(idx).cast(pa.string()) if idx is not None else pa.nulls(n, pa.string())
    return pa.table(cols)


def _merged_grid(ws, first: int, last: int) -> list[list]:
    """Header rows with horizontal merges filled in, so 月度计划 spans its 1月…12月 children.

    A vertical merge (地区 over two header rows) leaves the lower cell empty, which
    _candidate_headers reads as "no child".
    """
    grid = [[c.value for c in row] for row in ws.iter_rows(min_row=first, max_row=last)]
    width = max((len(r) for r in grid), default=0)
    grid = [r + [None] * (width - len(r)) for r in grid]
    for rng in ws.merged_cells.ranges:
        if first <= rng.min_row <= last:
            value = ws.cell(rng.min_row, rng.min_col).value
            for c in range(rng.min_col, min(rng.max_col, width) + 1):
                grid[rng.min_row - first][c - 1] = value
    return grid


def _candidate_headers(grid: list[list], i: int) -> list[list[str]]:
    """Header interpretations at row i: one row, or a parent row + child row ("parent/child")."""
    top = ["" if v is None else str(v).strip() for v in grid[i]]
    out = [top]
    if i + 1 < len(grid):
        sub = ["" if v is None else str(v).strip() for v in grid[i + 1]]
        out.append([f"{t}/{s}" if t and s else (t or s) for t, s in zip(top, sub)])
    return out


def read_xlsx(path: Path, source: Source) -> tuple[pa.Table, str]:
    """The table of the first visible sheet, and a note naming the hidden sheets skipped before it
    (a stale copy kept hidden in front of the current one)."""
    from openpyxl import load_workbook  # imported lazily: the CSV path does not need it

    if path.stat().st_size == 0:
        raise ContractError(path, "empty_file", "the file is empty (0 bytes)")
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged zip/xml
        raise ContractError(path, "unreadable_xlsx", f"not a readable .xlsx workbook ({exc})") from exc
    visible = [i for i, w in enumerate(wb.worksheets) if w.sheet_state == "visible"]  # not hidden/veryHidden
    if not visible:
        raise ContractError(path, "no_visible_sheet", f"no visible worksheet to read (hidden: "
                            f"{', '.join(wb.sheetnames)}): unhide the current one (右键工作表标签 → 取消隐藏) "
                            "and send it again")
    ws = wb.worksheets[visible[0]]
    skipped = [w.title for w in wb.worksheets[: visible[0]]]
    note = f"skipped hidden sheet(s): {', '.join(skipped)}; read sheet {ws.title}" if skipped else ""
    scan = _merged_grid(ws, 1, min(HEADER_SCAN_ROWS, ws.max_row))
    # candidates: each row alone (height 1) or with the row below it as child headers (height 2)
    candidates = [(i * 2 + h, headers) for i in range(len(scan))
                  for h, headers in enumerate(_candidate_headers(scan, i))]
    key, headers, found = best_header(candidates, source, path)
    header_row, height = key // 2 + 1, key % 2 + 1
    title = " ".join(str(v) for r in scan[: header_row - 1] for v in r if v)
    defaults = {}
    year = re.search(r"(\d{4})\s*年", title)
    if source.extra.get("year_from_title") and "report_year" not in found and year:
        defaults["report_year"] = year.group(1)
    stops = tuple(source.extra.get("stop_at_prefixes", ()))
    rows: list[tuple[int, list]] = []
    for r, values in enumerate(ws.iter_rows(min_row=header_row + height, values_only=True),
                               start=header_row + height):
        values = list(values)
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        first = str(values[0]).strip() if values and values[0] is not None else ""
        if stops and first.startswith(stops):
            break
        rows.append((r, values))
    if not rows:
        raise ContractError(path, "no_rows", "header found but no data rows")
    _reject_uncomputed_formulas(path, ws.title, rows, header_row + height)
    return _to_table(source, found, headers, rows, path, defaults), note


def _reject_uncomputed_formulas(path: Path, sheet: str, rows: list[tuple[int, list]], first_data_row: int) -> None:
    """A formula whose value Excel never computed reads as empty: say so instead of losing the value."""
    from openpyxl import load_workbook

    empty = {(r, j) for r, values in rows for j, v in enumerate(values) if v is None}
    if not empty:
        return
    ws = load_workbook(path, data_only=False)[sheet]  # the sheet read, not the first
    for row in ws.iter_rows(min_row=first_data_row):
        for cell in row:
            if (cell.row, cell.column - 1) in empty and isinstance(cell.value, str) and cell.value.startswith("="):
                raise ContractError(path, "formula_without_value",
                                    f"formula {cell.value!r} has no computed value; open and save the workbook "
                                    "in Excel (or paste values) before sending", row=cell.row,
                                    column=cell.column_letter)


def _reject_other_formats(path: Path, source: Source) -> None:
    """What a file is comes from its first bytes, not its name: an .xls renamed .xlsx and a
    password-protected workbook (Office keeps the encrypted .xlsx inside an OLE2 compound file)
    would otherwise both read as "File is not a zip file"."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head == OLE2_MAGIC:
        if _is_encrypted_package(path):
            raise ContractError(path, "encrypted_workbook", "the workbook is password-protected: remove the "
                                "password (文件→信息→保护工作簿) and send it again")
        raise ContractError(path, "xls_format", f"{conversion_advice('.xls', source)} (its name says "
                            f"{path.suffix or 'nothing'}, its content is an Excel 97-2003 file)")
    if source.file_format == "csv" and head.startswith(ZIP_MAGIC):
        raise ContractError(path, "workbook_not_csv", f"{conversion_advice('.xlsx', source)} (its name says "
                            f"{path.suffix or 'nothing'}, its content is a workbook)")


def _is_encrypted_package(path: Path) -> bool:
    """An encrypted Office document is a compound file with an EncryptionInfo stream ([MS-OFFCRYPTO]
    2.3.4); olefile reads the directory properly instead of searching the bytes for the name."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo")
    except Exception:  # damaged (OSError, struct.error …): not a readable workbook either way, said as .xls
        return False


def read_file(path: Path, source: Source) -> tuple[pa.Table, str]:
    """The file's rows as text columns, and a note on how it was read ("" if nothing to say)."""
    _reject_other_formats(path, source)
    if source.file_format == "csv":
        return read_csv(path, source), ""
    return read_xlsx(path, source)


def read_source_file(path: Path, source: Source) -> pa.Table:
    return read_file(path, source)[0]
