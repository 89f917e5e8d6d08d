"""Every workbook of the demo, printed as a bureau prints it: LibreOffice (headless) converts it to
PDF, and the PDF is read back (pdfplumber) for what a reader of the printout would see.

Per workbook: every page A4 and numbered 第 i 页 共 N 页; nothing printed off the page; no character
crosses a cell border (text
running out of its cell); every cell's text and number in the printout (nothing cut off by a row
too short, no ###); each table starts on a page of its own, a table that runs on repeats its
header rows and is printed at a readable size (never squeezed onto one page); each chart on a page
of its own; the Chinese set in a CJK font.

LibreOffice, a CJK font and Carlito (Calibri's metrics, so columns measure as in Excel) come from Debian; the set-up installs them when they are missing (as
root, from the package registry), and fails, never skips, when it cannot.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.pipeline, pytest.mark.xdist_group("rendering")]

A4_PT = (595.3, 841.9)
# Carlito has Calibri's metrics: without it LibreOffice measures column widths in a wider font than
# Excel does, and the printout is not the one a bureau's Excel gives
DEBIAN_PACKAGES = ["libreoffice-calc-nogui", "fonts-noto-cjk", "fonts-crosextra-carlito"]
MIN_FONT_PT = 6.0  # smaller than this, a table was squeezed to fit its page


def ensure_libreoffice() -> str:
    found = shutil.which("soffice")
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if found and "CJK" in fonts and "Carlito" in fonts:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.fail(f"LibreOffice and a CJK font are needed to render the workbooks: apt-get install "
                    f"{' '.join(DEBIAN_PACKAGES)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return shutil.which("soffice")


@dataclass
class Printout:
    book: Path
    pages: list  # pdfplumber pages


@pytest.fixture(scope="module")
def printouts(demo, tmp_path_factory) -> list[Printout]:
    soffice = ensure_libreoffice()
    books = sorted((demo.home / "exports").glob("*.xlsx")) + sorted((demo.home / "exports").glob("units/*/*.xlsx"))
    assert len(books) >= 6, books  # a bulletin and an assessment workbook for each of the demo's years
    out = tmp_path_factory.mktemp("pdf")
    profile = tmp_path_factory.mktemp("lo-profile")
    proc = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(out), *map(str, books)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    result = []
    for book in books:
        pdf = pdfplumber.open(out / f"{book.stem}.pdf")
        result.append(Printout(book, pdf.pages))
    return result


def is_border(edge) -> bool:
    """A cell border: a dark line (chart gridlines are grey, chart shapes are curves)."""
    colour = edge.get("stroking_color")
    return edge["object_type"] == "line" and colour is not None and len(colour) == 3 and max(colour) < 0.2


def crossing_characters(page, tol: float = 0.3) -> list[str]:
    """Characters a cell border runs through: text that does not fit its cell."""
    borders = [e for e in page.edges if is_border(e)]
    columns = [e for e in borders if e["orientation"] == "v"]
    rows = [e for e in borders if e["orientation"] == "h"]
    bad = []
    for ch in page.chars:
        if not ch["text"].strip():
            continue
        mid_y, mid_x = (ch["top"] + ch["bottom"]) / 2, (ch["x0"] + ch["x1"]) / 2
        if any(ch["x0"] + tol < e["x0"] < ch["x1"] - tol and e["top"] - tol <= mid_y <= e["bottom"] + tol
               for e in columns) or any(ch["top"] + tol < e["top"] < ch["bottom"] - tol
                                        and e["x0"] - tol <= mid_x <= e["x1"] + tol for e in rows):
            bad.append(f"{ch['text']} at ({ch['x0']:.0f}, {ch['top']:.0f})")
    return bad


def page_text(page) -> str:
    return re.sub(r"\s+", "", "".join(ch["text"] for ch in page.chars))


def printed(value, number_format: str) -> str:
    if isinstance(value, (int, float)):
        decimals = len(number_format.split(".")[1]) if "." in number_format else 0
        return f"{value:.{decimals}f}"
    return re.sub(r"\s+", "", str(value))


def test_every_page_is_a4_and_numbered(printouts):
    for p in printouts:
        n = len(p.pages)
        for i, page in enumerate(p.pages, start=1):
            assert sorted((round(page.width, 1), round(page.height, 1))) == pytest.approx(A4_PT, abs=1), (p.book, i)
            assert f"第{i}页共{n}页" in page_text(page), (p.book.name, i)


def test_nothing_is_printed_off_the_page(printouts):
    off = {f"{p.book.name} page {i}": sorted({round(ch["x1"]) for ch in page.chars if ch["x0"] < 0 or
                                              ch["x1"] > page.width or ch["bottom"] > page.height})[:5]
           for p in printouts for i, page in enumerate(p.pages, start=1)}
    assert not {k: v for k, v in off.items() if v}, off


def test_no_text_runs_out_of_its_cell(printouts):
    problems = {f"{p.book.name} page {i}": bad for p in printouts for i, page in enumerate(p.pages, start=1)
                if (bad := crossing_characters(page))}
    assert not problems, problems


def test_every_cell_is_in_the_printout_whole(printouts):
    for p in printouts:
        text = "".join(page_text(page) for page in p.pages)
        assert "###" not in text, p.book.name  # a number wider than its column
        for ws in load_workbook(p.book).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None and str(cell.value).strip():
                        assert printed(cell.value, cell.number_format) in text, (p.book.name, ws.title, cell.coordinate,
                                                                                cell.value)


def first_page(texts: list[str], ws) -> int:
    """The page a sheet starts on: its title (A1), or for the 图 sheet its first chart's."""
    opening = re.sub(r"\s+", "", ws["A1"].value) if ws["A1"].value else "图1"
    starts = [i for i, t in enumerate(texts) if opening in t]
    assert len(starts) == 1, (ws.title, opening, starts)  # the sheet opens exactly one page
    return starts[0]


def test_tables_start_on_their_own_page_and_run_on_with_their_headers(printouts):
    long_tables = 0
    for p in printouts:
        texts = [page_text(page) for page in p.pages]
        sheets = load_workbook(p.book).worksheets
        firsts = [first_page(texts, ws) for ws in sheets]
        assert firsts == sorted(firsts) and firsts[0] == 0, (p.book.name, firsts)
        for ws, first, end in zip(sheets, firsts, firsts[1:] + [len(texts)]):
            if not ws.print_title_rows:
                continue
            header = re.sub(r"\s+", "", ws["A3"].value)
            for page in p.pages[first:end]:
                assert header in page_text(page), (p.book.name, ws.title)  # the header rows repeat
                sizes = [ch["size"] for ch in page.chars if ch["text"].strip()]
                assert min(sizes) >= MIN_FONT_PT, (p.book.name, ws.title, min(sizes))
            long_tables += end - first > 1
    assert long_tables, "the demo has a table longer than a page (考核 表1): it must run on, not shrink"


def test_each_chart_on_a_page_of_its_own_in_a_cjk_font(printouts):
    for p in printouts:
        if not p.book.name.startswith("水资源公报表"):
            continue
        texts = [page_text(page) for page in p.pages]
        charts = [i for i, t in enumerate(texts) if re.search(r"图\d", t)]
        assert charts, p.book.name
        assert all(len(re.findall(r"图\d", texts[i])) == 1 for i in charts), p.book.name
        fonts = {ch["fontname"] for page in p.pages for ch in page.chars if ord(ch["text"][0]) > 0x2E80}
        assert fonts and all("CJK" in f or "Song" in f or "Hei" in f for f in fonts), fonts
