"""Land raw files in DuckDB with lineage, idempotently, and log every attempt.

A file is identified by its path under raw/ and its SHA-256: the same bytes are never loaded
twice; a changed file replaces the rows it loaded before (a restatement), in one transaction.
A file that breaks its contract is logged as rejected with the reader's message and the rest of
the night goes on.
"""
from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.ingest.readers import ContractError, read_source_file
from dagster_project.lib.contracts import SOURCES, Source

LINEAGE_COLUMNS = ("_source_file", "_file_sha256", "_loaded_at", "_source_row_number")


@dataclass
class FileOutcome:
    file: str
    status: str  # loaded | unchanged | rejected
    rows_read: int = 0
    rows_loaded: int = 0
    message: str = ""


@dataclass
class LoadSummary:
    source: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute("""
        create table if not exists raw.load_log (
            source_name varchar, source_file varchar, file_sha256 varchar, file_bytes bigint,
            status varchar, rows_read bigint, rows_loaded bigint, message varchar,
            run_id varchar, started_by varchar, logged_at timestamp default current_timestamp)""")
    for source in SOURCES:
        cols = ", ".join(f'"{c}" varchar' for c in source.column_names())
        con.execute(f"""create table if not exists {source.table} (
            _source_file varchar, _file_sha256 varchar, _loaded_at timestamp,
            _source_row_number bigint, {cols})""")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_files(raw_root: Path, source: Source) -> list[Path]:
    # Files still being written are expected under a temporary name (*.part, ~$*) and skipped.
    return sorted(p for p in raw_root.glob(source.file_glob)
                  if p.is_file() and not p.name.startswith(("~$", ".")) and not p.name.endswith(".part"))


def _already_loaded(con, rel: str, sha: str) -> bool:
    row = con.execute("""
        select file_sha256 from raw.load_log
        where source_file = ? and status = 'loaded' order by logged_at desc limit 1""", [rel]).fetchone()
    return row is not None and row[0] == sha


def _log(con, source: Source, rel: str, sha: str, size: int, outcome: FileOutcome, run_id: str) -> None:
    con.execute("insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [source.name, rel, sha, size, outcome.status, outcome.rows_read, outcome.rows_loaded,
                 outcome.message, run_id, getpass.getuser()])


def load_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, raw_root: Path,
              run_id: str = "manual") -> FileOutcome:
    rel = path.relative_to(raw_root).as_posix()
    sha, size = sha256_of(path), path.stat().st_size
    if _already_loaded(con, rel, sha):
        outcome = FileOutcome(rel, "unchanged")
        _log(con, source, rel, sha, size, outcome, run_id)
        return outcome
    try:
        table = read_source_file(path, source)
    except ContractError as exc:
        outcome = FileOutcome(rel, "rejected", message=str(exc))
        _log(con, source, rel, sha, size, outcome, run_id)
        return outcome
    cols = source.column_names()
    con.register("incoming", table)
    try:
        con.execute("begin transaction")
        con.execute(f"delete from {source.table} where _source_file = ?", [rel])
        col_list = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"""insert into {source.table} ({", ".join(LINEAGE_COLUMNS)}, {col_list})
                        select ?, ?, current_timestamp, _source_row_number, {col_list} from incoming""",
                    [rel, sha])
        outcome = FileOutcome(rel, "loaded", rows_read=table.num_rows, rows_loaded=table.num_rows)
        _log(con, source, rel, sha, size, outcome, run_id)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming")
    return outcome


def load_source(con: duckdb.DuckDBPyConnection, source: Source, raw_root: Path,
                run_id: str = "manual") -> LoadSummary:
    ensure_raw_schema(con)
    summary = LoadSummary(source.name)
    for path in source_files(raw_root, source):
        summary.outcomes.append(load_file(con, source, path, raw_root, run_id))
    return summary
