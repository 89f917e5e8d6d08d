"""Render docs/inputs.md from the contract registry (`python -m dagster_project.input_docs` writes it)."""
from __future__ import annotations

from dagster_project.lib.contracts import SOURCES, Source

KIND_TEXT = {"text": "text", "number": "number", "integer": "integer", "date": "date",
             "timestamp": "timestamp (CST)", "flag": "是/否"}

CHECK_TEXT = {"uscc": "GB 32100 check character verified", "region_code": "must be a code in the deployment's region register",
              "region_name": "name or alias in the deployment's region register", "volume_unit": "m³ / 万m³ / 亿m³ (立方米 accepted)",
              "sub_sector": "a sector or sub-sector of dbt/seeds/sector_map.csv",
              "water_source": "a source of dbt/seeds/water_source_map.csv",
              "statistics_basis": "初步核算 / 统计公报 / 年鉴 / 最终核实 / 修订",
              "aquifer": "an aquifer code or name of the deployment's aquifer register (aquifers.csv)",
              "application_source": "地表水 / 地下水",
              "flow_section": "a section code of the deployment's register (ecological_flow_sections.csv)"}

INTRO = """# Input contracts

What WaterStat accepts in `raw/` (or `$WATERSTAT_RAW`). This page is generated from the one
registry in `dagster_project/lib/contracts.py` (run `python -m dagster_project.input_docs`);
a test fails when the two disagree, so what is written here is what the readers do.

General rules for every source:

- **Encodings**: UTF-8 (with or without BOM), GBK or GB18030, one per file. Anything else is
  rejected; so is a file mixing them (`mixed_encoding`, naming the lines that are not UTF-8).
- **Excel**: the first visible sheet is read (hidden sheets before it are skipped and named in the
  load log; no visible sheet: `no_visible_sheet`); title rows above the header are skipped; a
  header may span two rows with merged parent cells (`取用新水量` over `地表水 / 地下水 …` is read
  as `取用新水量/地表水`); notes below the table (rows starting with 注, 资料来源, 说明) end it.
  Formulas are read as their cached values. A password-protected workbook (`encrypted_workbook`),
  an Excel 97-2003 file under an .xlsx or .csv name (`xls_format`) and a workbook named .csv
  (`workbook_not_csv`) are rejected with what to do.
- **Every file in `raw/` is accounted for**: a file in a source's folder in another format (.xls,
  .et, .numbers, .xlsb, .ods, .txt …) is rejected (`unsupported_format`) with how to convert it;
  a file that matches no source's name or folder (`survey/汇总表.xlsx`, a file directly in `raw/`)
  is rejected (`unrecognised_file`). A file named for a day or report year after today (China
  Standard Time) is rejected (`future_dated`).
- **Headers** are matched after normalising full-width characters, spaces and `m³`/`m3`; each
  column lists the header texts accepted. Extra columns are ignored.
- **Values** are kept as text exactly as received (lineage: file, SHA-256, load time, row number:
  the line where the record starts in the file, a quoted value may span lines)
  and typed in dbt staging. Full-width digits and thousands separators are normalised.
  The exception is meter readings (a province sends tens of millions a year): each row is parsed
  once at load, by the same `ws_*` SQL functions staging uses, and stored typed (timestamp,
  double); a row that does not parse is quarantined with its text exactly as received.
- **CSV files** with one record per line (the usual export) are read by DuckDB's own CSV reader
  (a GBK file from its UTF-8 transcoding, in a private temporary file); one with quoted values,
  blank lines or CR-only line breaks by the general reader (decoded in Python, read by PyArrow).
  Both give the same rows and line numbers.
  A row with more or fewer fields than the header rejects the file (`malformed_csv`), naming its line.
- **Units**: where the header carries the unit (`许可水量(万m³/年)`), the unit is read from it;
  survey returns carry a `计量单位` column (m³ or 万m³) that applies to every volume on the row.
- **Files being written** use a temporary name (`*.part`, `~$*`, `.*`) until complete, or are
  read only once unchanged for `raw_file_settle_seconds` (docs/rules.md) or once `<file name>.done`
  (or `.ok`) is written after them; until then they are logged `waiting` and stay in `raw/`.
- A file that breaks its contract (encoding, header, required column, unit in a header, empty or
  truncated) is **rejected as a whole** with one message naming the file, row, column and rule,
  logged in `raw.load_log` and moved to `quarantine/files/<time>/` with a `.reason.txt`; the rest
  of the night goes on.
- Within an accepted file every **row** is checked: a required value missing, a value that is not
  a number/date/timestamp/是否, a value out of bounds, a date before 2000, a timestamp in the
  future, an unknown region code or unit, a USCC whose check character is wrong, or a rule across
  columns below. Rows that fail go to `raw.<source>__quarantine` with their reason codes; the
  others load. Per file, rows read = rows loaded + rows quarantined (recorded in `raw.load_log`).
- The same file (same path, same SHA-256) is never loaded twice; a changed file replaces the rows
  it loaded before.
"""


def sample_name(s: Source) -> str:
    return f"{s.name}.{s.file_format}"


def render_source(s: Source) -> str:
    lines = [f"## `{s.name}` — {s.title_zh}", "",
             f"- Files: `raw/{s.file_glob}` ({s.file_format.upper()})", f"- Grain: {s.grain}",
             f"- Sample: [`docs/samples/{sample_name(s)}`](samples/{sample_name(s)})"]
    if s.description:
        lines.append(f"- {s.description}")
    lines += ["", "| column | accepted headers | type | required | notes |", "|---|---|---|---|---|"]
    for c in s.columns:
        bounds = " ".join(x for x in (f"≥ {c.min_value:g}" if c.min_value is not None else "",
                                      f"≤ {c.max_value:g}" if c.max_value is not None else "") if x)
        notes = "; ".join(x for x in (c.description, "unit read from the header" if c.unit_from_header else "",
                                      bounds, CHECK_TEXT.get(c.check, ""),
                                      "only: " + " / ".join(c.choices) if c.choices else "") if x)
        headers = " / ".join(f"`{a}`" for a in c.aliases)
        lines.append(f"| `{c.name}` | {headers} | {KIND_TEXT[c.kind]} | {'yes' if c.required else 'no'} | {notes} |")
    if s.row_rules:
        lines += ["", "Rules across columns (a row that breaks one is quarantined with the reason code):", ""]
        lines += [f"- `{r.reason}`: {r.description}" for r in s.row_rules]
    return "\n".join(lines) + "\n"


def render() -> str:
    return INTRO + "\n" + "\n".join(render_source(s) for s in SOURCES)
