"""Write docs/inputs.md from the contract registry, and docs/samples/: a sample file per source, cut
from a small demo city (`python -m dagster_project.input_docs`)."""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

from dagster_project.demo.generator import generate
from dagster_project.lib.contract_docs import render, sample_name
from dagster_project.lib.contracts import SOURCES
from dagster_project.settings import REPO_ROOT

DOCS_DIR = REPO_ROOT / "docs"
SAMPLE_ROWS = 12


def write_samples(out: Path) -> None:
    """The first file of each source from a small demo city, cut to a few rows."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), points=20, days=2)
        for s in SOURCES:
            first = sorted(Path(tmp).glob(s.file_glob))[0]
            target = out / sample_name(s)
            if s.file_format == "csv":
                data = first.read_bytes().split(b"\n")[: SAMPLE_ROWS + 1]
                target.write_bytes(b"\n".join(data) + b"\n")
            else:
                shutil.copyfile(first, target)
                wb = load_workbook(target)
                ws = wb.active
                last_header = max(r.max_row for r in ws.merged_cells.ranges) if ws.merged_cells.ranges else 2
                ws.delete_rows(last_header + SAMPLE_ROWS + 1, ws.max_row)
                wb.save(target)


def main() -> int:
    (DOCS_DIR / "inputs.md").write_text(render(), encoding="utf-8")
    write_samples(DOCS_DIR / "samples")
    print(f"wrote {DOCS_DIR / 'inputs.md'} and {DOCS_DIR / 'samples'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
