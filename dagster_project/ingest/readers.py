"""Read raw files into temporary DuckDB tables of canonical text columns, or raise a ContractError.

Values stay text here (the loader's row checks and dbt staging parse them); only header matching,
encoding and layout are resolved, so a file either lands whole with row-level lineage or is
rejected with one message. Python does what DuckDB's reader cannot: find the header among the
first lines, decode GBK, number the records of a file whose quoted fields span lines, and read
workbooks. DuckDB's read_csv reads the usual export (plain UTF-8, one record per line) itself.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from dagster_project.ingest.csv_text import data_row_lines, decode, decode_csv, physical_lines
from dagster_project.ingest.raw_files import conversion_advice
from dagster_project.lib.contracts import VOLUME_UNITS, Column, ContractError, Source

__all__ = ["ContractError", "decode", "file_layout", "read_source_file", "PlainCsv", "stage_file", "stage_plain_files"]

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


@dataclass(frozen=True)
class CsvLayout:
    """What Python finds out about a CSV file before anything reads its rows."""
    text: str  # decoded
    encoded: bytes  # its UTF-8 bytes without BOM
    transcoded: bool  # GBK made UTF-8: DuckDB cannot read the file as stored
    skip: int  # 0-based line of the header (title lines above it)
    header: list[str]
    found: dict[str, int]  # contract column → header position

    def _end(self) -> int:
        """Where the last record ends (a final line break is not a blank line)."""
        e = self.encoded
        return len(e) - (2 if e.endswith(b"\r\n") else 1 if e.endswith((b"\n", b"\r")) else 0)

    @property
    def is_plain(self) -> bool:
        """One record per line, as the usual platform export: no quote, no blank line, line breaks
        LF or CRLF (in UTF-8 as stored, or as transcoded from GBK). DuckDB reads such a file itself
        and a record's line is the header's plus its ordinal; any other file takes the general
        reader. (Searched with the bytes' own C routines over a range: no copy of a file of millions
        of readings.)"""
        e, end = self.encoded, self._end()
        if end == 0 or e[0] in b"\r\n" or any(e.find(s, 0, end) >= 0 for s in (b'"', b"\n\n")):
            return False
        crs = e.count(b"\r", 0, end)  # none in most exports: then nothing more to look for
        return crs == 0 or (crs == e.count(b"\r\n", 0, end) and e.find(b"\n\r\n", 0, end) < 0)

    def records(self) -> int:
        """Data records of a plain file: its lines after the header."""
        return self.encoded.count(b"\n", 0, self._end()) - self.skip


    def plain(self, path: Path) -> PlainCsv:
        return PlainCsv(path, self.skip, len(self.header), tuple(sorted(self.found.items())), self.records())


@dataclass(frozen=True)
class PlainCsv:
    """What DuckDB's read_csv needs to read a plain file (CsvLayout.is_plain), without its text."""
    path: Path
    skip: int  # 0-based line of the header
    width: int  # fields in the header
    found: tuple[tuple[str, int], ...]  # contract column → header position
    records: int

    @property
    def shape(self) -> tuple:
        """What files read by one read_csv share: title lines, header width and columns."""
        return self.skip, self.width, self.found


@dataclass(frozen=True)
class Staged:
    """A file's rows in a temporary table (stage_file), all of it or a rowid range (stage_plain_files)."""
    table: str
    rows: int
    line_sql: str  # each row's line in the file, as SQL over the table
    note: str = ""  # how the file was read ("" if nothing to say)
    where: str = "true"  # which of the table's rows are the file's


def csv_layout(path: Path, source: Source) -> CsvLayout:
    text, encoded, transcoded = decode_csv(path.read_bytes(), path)
    first_lines = physical_lines(text[: 1 << 16])[:HEADER_SCAN_ROWS]
    # the header may sit below a title line or two, as in some platform exports
    skip, header, found = best_header([(i, next(csv.reader([line]), [])) for i, line in enumerate(first_lines)],
                                      source, path)
    return CsvLayout(text, encoded, transcoded, skip, header, found)


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, source: Source, table: str, derived: str,
              layout: CsvLayout | None = None) -> Staged:
    """DuckDB's read_csv reads a plain file (CsvLayout.is_plain) straight from disk into `table`;
    any other goes through read_csv below. A GBK file is read from its UTF-8 transcoding, written
    to a private temporary file (DuckDB reads UTF-8 alone without its encodings extension, which
    an offline machine cannot install)."""
    layout = layout or csv_layout(path, source)
    if not layout.is_plain:
        return stage_arrow(con, read_csv(path, source, layout), table, derived)
    if not layout.transcoded:
        return _stage_plain(con, [(layout.plain(path), path)], source, table, derived)[0]
    with tempfile.TemporaryDirectory(prefix="waterstat-") as private:  # mode 700
        utf8 = Path(private) / path.name
        utf8.write_bytes(layout.encoded)
        return _stage_plain(con, [(layout.plain(path), utf8)], source, table, derived)[0]


def stage_plain_files(con: duckdb.DuckDBPyConnection, files: list[PlainCsv], source: Source, table: str,
                      derived: str = "") -> list[Staged | ContractError]:
    """Plain UTF-8 files (is_plain, not transcoded) staged by one read_csv for each shape, into
    `table`_<n>: one statement for many files costs less than one a file (ten meter files of 240,000
    readings, values parsed: 0.27 → 0.22 s a file). If such a read fails, each of its files is read
    alone, so an error names its file. Each file's Staged or ContractError, in the order given."""
    derived = f", {derived}" if derived else ""
    shapes: dict[tuple, list[int]] = {}
    for i, plain in enumerate(files):
        shapes.setdefault(plain.shape, []).append(i)
    results: dict[int, Staged | ContractError] = {}
    for g, members in enumerate(shapes.values()):
        try:
            staged = _stage_plain(con, [(files[i], files[i].path) for i in members], source, f"{table}_{g}", derived)
            for i, one in zip(members, staged):
                results[i] = one
        except ContractError:
            con.execute(f"drop table if exists {table}_{g}")
            for i in members:
                try:
                    results[i] = stage_csv(con, files[i].path, source, f"{table}_{g}_{i}", derived)
                except ContractError as exc:
                    con.execute(f"drop table if exists {table}_{g}_{i}")
                    results[i] = exc
    return [results[i] for i in range(len(files))]


def _stage_plain(con: duckdb.DuckDBPyConnection, files: list[tuple[PlainCsv, Path]], source: Source,
                 table: str, derived: str) -> list[Staged]:
    """Plain files of one shape, each with its UTF-8 bytes at a path (the file itself, or its
    transcoding), read by one read_csv into `table`. A new table's rowid is its insertion order,
    which DuckDB keeps as the files' and then each file's (preserve_insertion_order), so a file's
    rows are a rowid range: checked against its own count of lines, never assumed. Raises
    ContractError (naming the first file) if the read fails or a count differs."""
    first = files[0][0]
    found = dict(first.found)
    names = [f"c{i}" for i in range(first.width)]
    columns = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
    picked = ", ".join((f'{names[found[c.name]]} as "{c.name}"' if c.name in found
                        else f'null::varchar as "{c.name}"') for c in source.columns)
    try:
        # every value exactly as received (an empty field is null, as in the general reader); a row
        # with more or fewer fields than the header rejects the file
        con.execute(f"""create or replace temp table {table} as select *{derived} from (
                            select {picked}, filename as _staged_from
                            from read_csv(?, header = false, skip = {first.skip + 1}, auto_detect = false,
                                          delim = ',', columns = {{{columns}}}, null_padding = false,
                                          strict_mode = true, filename = true))""",
                    [[str(utf8) for _, utf8 in files]])
    except duckdb.Error as exc:
        message = "; ".join(str(exc).splitlines()[:3])
        for plain, utf8 in files:
            message = message.replace(str(utf8), str(plain.path))
        raise ContractError(first.path, "malformed_csv", message) from exc
    read = {f: (n, lo, hi) for f, n, lo, hi in con.execute(
        f"select _staged_from, count(*), min(rowid), max(rowid) from {table} group by 1").fetchall()}
    staged, offset = [], 0
    for plain, utf8 in files:
        rows, expected = read.get(str(utf8), (0, None, None)), plain.records
        if rows[0] == 0:
            raise ContractError(plain.path, "no_rows", "header present but no data rows")
        if rows != (expected, offset, offset + expected - 1):  # cannot happen for a plain file; never record wrong lineage
            raise ContractError(plain.path, "malformed_csv", f"{rows[0]} records read but {expected} lines found")
        staged.append(Staged(table, expected, f"rowid + ({plain.skip + 2 - offset})",
                             where=f"rowid between {offset} and {offset + expected - 1}"))
        offset += expected
    return staged


def stage_arrow(con: duckdb.DuckDBPyConnection, rows: pa.Table, table: str, derived: str, note: str = "") -> Staged:
    """Rows a Python reader read, with their line numbers, into `table`."""
    con.register("_arrow_rows", rows)
    try:
        con.execute(f"create or replace temp table {table} as select *{derived} from _arrow_rows")
    finally:
        con.unregister("_arrow_rows")
    return Staged(table, rows.num_rows, "_source_row_number", note)


def read_csv(path: Path, source: Source, layout: CsvLayout | None = None) -> pa.Table:
    """The general CSV reader: any encoding decode_csv accepts, quoted fields over several lines,
    blank lines; PyArrow reads the UTF-8 text, and every record gets the line it starts on."""
    layout = layout or csv_layout(path, source)
    text, encoded, skip, header, found = layout.text, layout.encoded, layout.skip, layout.header, layout.found
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


def stage_file(con: duckdb.DuckDBPyConnection, path: Path, source: Source, table: str, derived: str = "",
               layout: CsvLayout | None = None) -> Staged:
    """The file's rows as text columns in the temporary table `table`, with `derived` (SQL select
    items over them, such as their parsed values) computed as they land. Raises ContractError for
    a file that breaks its contract. `layout`: a CSV's, if file_layout found it already."""
    derived = f", {derived}" if derived else ""
    if source.file_format == "csv":
        return stage_csv(con, path, source, table, derived, layout or file_layout(path, source))
    _reject_other_formats(path, source)
    rows, note = read_xlsx(path, source)
    return stage_arrow(con, rows, table, derived, note)


def file_layout(path: Path, source: Source) -> CsvLayout | None:
    """A CSV file's layout (None for a workbook source), after the checks of what the file is.
    Raises ContractError for a file that cannot be the source's."""
    _reject_other_formats(path, source)
    return csv_layout(path, source) if source.file_format == "csv" else None


def read_source_file(path: Path, source: Source) -> pa.Table:
    """One file's rows as the loader stages them, with their line numbers, as an Arrow table (for
    tests and tools)."""
    with duckdb.connect() as con:
        staged = stage_file(con, path, source, "_file_rows")
        columns = ", ".join(f'"{c}"' for c in source.column_names())
        return con.sql(f"select {staged.line_sql} as _source_row_number, {columns} from _file_rows "
                       "order by 1").fetch_arrow_table()
