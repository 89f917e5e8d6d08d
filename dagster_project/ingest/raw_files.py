"""Every file in raw/, accounted for: which source's load handles it, and whether it is complete.

Each file under raw/ belongs to exactly one source, so it is logged once: a file matching a
source's pattern is one of its data files; any other file in a source's folder (an .xls, a
WPS .et) belongs to the source whose name pattern its name matches without the extension, else
to the first source of that folder (survey/ is shared); a file outside every source's folder
belongs to the first source. Such a file is rejected by its owner's load, like a file that breaks
its contract, with a message saying what to do.
"""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from dagster_project.lib.contracts import SOURCES, ContractError, Source
from dagster_project.settings import dbt_vars

# Not data, never read or reported: Office lock files (~$), hidden files and folders (.DS_Store,
# .gitkeep, a NAS's .snapshot), a copy under its temporary name (*.part), the files Windows
# Explorer leaves in folders, raw/README.md.
IGNORED_PREFIXES = ("~$", ".")
IGNORED_SUFFIXES = (".part",)
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "readme.md"})
# "<file name>.done" (or .ok) written after the file says the file is whole: it is read at once.
MARKER_SUFFIXES = (".done", ".ok")

# extension: (what the file is, how to turn it into the contract's format)
KINDS = {
    ".xls": ("an .xls (Excel 97-2003) workbook", "open it in Excel or WPS and save as"),
    ".et": ("a WPS 表格 (.et) workbook", "open it in WPS and save as"),
    ".numbers": ("an Apple Numbers file", "open it in Numbers and export it (文件 → 导出为) as"),
    ".xlsb": ("a binary Excel workbook (.xlsb)", "open it in Excel and save as"),
    ".xlsm": ("a macro-enabled Excel workbook (.xlsm)", "open it in Excel or WPS and save as"),
    ".ods": ("an OpenDocument spreadsheet (.ods)", "open it in WPS or LibreOffice and save as"),
    ".xlsx": ("an Excel workbook (.xlsx)", "open it in Excel or WPS and save as"),
    ".csv": ("a CSV text file", "open it in Excel or WPS and save as"),
    ".txt": ("a text file (.txt)", "open it in Excel or WPS and save as"),
    ".tsv": ("a tab-separated text file (.tsv)", "open it in Excel or WPS and save as"),
}
TARGETS = {"xlsx": ".xlsx (Excel 工作簿)", "csv": "CSV UTF-8 (逗号分隔)(*.csv)"}


@dataclass(frozen=True)
class RawFile:
    path: Path
    rel: str  # path under raw/, the file's identity in raw.load_log
    source: Source  # the source whose load handles (loads or rejects) it
    problem: ContractError | None = None  # why it is not one of that source's data files


def is_ignored(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1].lower()
    return (any(p.startswith(IGNORED_PREFIXES) for p in parts) or name.endswith(IGNORED_SUFFIXES)
            or name.endswith(MARKER_SUFFIXES) or name in SYSTEM_FILES)


def inventory(raw_root: Path) -> list[RawFile]:
    """Every file under raw/ that is not ignored, with the source that handles it."""
    paths = sorted(p for p in raw_root.rglob("*") if p.is_file())
    rels = {p: p.relative_to(raw_root).as_posix() for p in paths}
    return [classify(p, rels[p]) for p in paths if not is_ignored(rels[p])]


def owned_files(raw_root: Path, source: Source) -> list[RawFile]:
    return [f for f in inventory(raw_root) if f.source is source]


def _folder(glob: str) -> str:
    return glob.rpartition("/")[0]


def _matches(rel: str, glob: str) -> bool:
    """Path.glob's match, part by part, but ignoring case: P.XLSX is a workbook too."""
    parts, pattern = rel.lower().split("/"), glob.lower().split("/")
    return len(parts) == len(pattern) and all(map(fnmatchcase, parts, pattern))


def classify(path: Path, rel: str) -> RawFile:
    for source in SOURCES:
        if _matches(rel, source.file_glob):
            return RawFile(path, rel, source)
    folder, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot and stem else (name, "")
    here = [s for s in SOURCES if _folder(s.file_glob) == folder]
    for source in here:
        if fnmatchcase(stem.lower(), source.file_glob.rpartition("/")[2].rpartition(".")[0].lower()):
            return RawFile(path, rel, source, ContractError(
                path, "unsupported_format", f"{conversion_advice(ext, source)}, then put it back in raw/{folder}/"))
    near = here or [s for s in SOURCES if _folder(s.file_glob) == rel.split("/")[0]] or list(SOURCES)
    expected = ", ".join(f"raw/{s.file_glob}" for s in near)
    return RawFile(path, rel, near[0], ContractError(
        path, "unrecognised_file", f"raw/{rel} is not a file of any source (expected {expected}): rename it "
                                   "or move it to its source's folder, or take it out of raw/"))


def conversion_advice(ext: str, source: Source) -> str:
    """What the file is and how its sender turns it into the format the source's contract takes."""
    target = TARGETS[source.file_format]
    what, how = KINDS.get(ext.lower(), (None, None))
    if what is None:
        return f"{f'a {ext} file' if ext else 'a file without an extension'} is not a spreadsheet: send it as {target}"
    return f"{what}: {how} {target}"


def settle_seconds() -> float:
    """The rule raw_file_settle_seconds (dbt/dbt_project.yml): how long a file must sit unchanged
    before it is read, when no completion marker says it is whole."""
    return float(dbt_vars()["raw_file_settle_seconds"])


def markers(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in MARKER_SUFFIXES]


def still_being_written(path: Path, now: float, settle: float) -> str:
    """Why the file is not read yet ("" once it is complete): modified less than `settle` seconds
    ago and no marker written after it (a marker older than the file is a leftover of an earlier copy)."""
    mtime = path.stat().st_mtime
    age = now - mtime
    if age >= settle or any(m.exists() and m.stat().st_mtime >= mtime for m in markers(path)):
        return ""
    return (f"still being written (modified {age:.0f} s ago); it is read when unchanged for {settle:g} s "
            f"or when {path.name}.done exists")
