"""Land raw files in DuckDB with lineage, idempotently, and log every attempt.

A file is identified by its path under raw/ and its SHA-256: the same bytes are never loaded
twice; a changed file replaces the rows it loaded before (a restatement), in one transaction.
A file that breaks its contract is logged as rejected with the reader's message, moved to the
quarantine folder, and the rest of the night goes on. Within an accepted file, every row is
checked set-based in DuckDB against the contract (dagster_project/ingest/row_checks.py): valid
rows land in raw.<source>, the others in raw.<source>__quarantine with their reason codes, and
rows read = rows loaded + rows quarantined is recorded per file.
"""
from __future__ import annotations

import getpass
import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.readers import ContractError, read_source_file
from dagster_project.ingest.row_checks import REASONS_COLUMN, create_reference_tables, reasons_sql
from dagster_project.lib.contracts import SOURCES, Source
from dagster_project.lib.partition_keys import file_partition_key, naming_rule

FUNCTIONS_SQL = Path(__file__).resolve().parent.parent / "sql" / "functions.sql"

LINEAGE_COLUMNS = ("_source_file", "_file_sha256", "_loaded_at", "_source_row_number")


@dataclass
class FileOutcome:
    file: str
    status: str  # loaded | unchanged | rejected | removed | deferred
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    quarantined_to: str = ""


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
    def rows_quarantined(self) -> int:
        return sum(o.rows_quarantined for o in self.outcomes)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Raw tables, quarantine tables, the load log, and the ws_* parsing functions."""
    con.execute(FUNCTIONS_SQL.read_text(encoding="utf-8"))
    con.execute("create schema if not exists raw")
    con.execute("""
        create table if not exists raw.load_log (
            source_name varchar, source_file varchar, file_sha256 varchar, file_bytes bigint,
            status varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
            message varchar, quarantined_to varchar, run_id varchar, started_by varchar,
            logged_at timestamp default current_timestamp)""")
    for source in SOURCES:
        cols = ", ".join(f'"{c}" varchar' for c in source.column_names())
        lineage = "_source_file varchar, _file_sha256 varchar, _loaded_at timestamp, _source_row_number bigint"
        con.execute(f"create table if not exists {source.table} ({lineage}, {cols})")
        con.execute(f"create table if not exists {source.quarantine_table} ({lineage}, {cols}, "
                    f"{REASONS_COLUMN} varchar[])")


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


def _ever_loaded(con, rel: str) -> bool:
    return con.execute("select count(*) from raw.load_log where source_file = ? and status = 'loaded'",
                       [rel]).fetchone()[0] > 0


def _log(con, source: Source, rel: str, sha: str, size: int, outcome: FileOutcome, run_id: str) -> None:
    con.execute("insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [source.name, rel, sha, size, outcome.status, outcome.rows_read, outcome.rows_loaded,
                 outcome.rows_quarantined, outcome.message, outcome.quarantined_to, run_id, getpass.getuser()])


def quarantine_file(path: Path, rel: str, quarantine_root: Path, message: str) -> Path:
    """Move a rejected file out of raw/ (so it is not retried until someone fixes it) with its reason."""
    target = quarantine_root / "files" / datetime.now().strftime("%Y%m%dT%H%M%S") / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    target.with_name(target.name + ".reason.txt").write_text(message + "\n", encoding="utf-8")
    return target


def reject_file(con, source: Source, path: Path, rel: str, run_id: str, quarantine_root: Path | None,
                message: str, sha: str | None = None) -> FileOutcome:
    """Log the file as rejected with its reason and move it out of raw/ into quarantine/."""
    sha, size = sha or sha256_of(path), path.stat().st_size
    moved = quarantine_file(path, rel, quarantine_root, message) if quarantine_root else None
    outcome = FileOutcome(rel, "rejected", message=message, quarantined_to=str(moved or ""))
    _log(con, source, rel, sha, size, outcome, run_id)
    return outcome


def _land_rows(con, source: Source, rel: str, sha: str) -> tuple[int, int]:
    """Split the registered `incoming` rows into raw (valid) and quarantine (with reasons)."""
    cols = ", ".join(f'"{c}"' for c in source.column_names())
    con.execute(f"""create or replace temp table checked as
                    select *, {reasons_sql(source)} as {REASONS_COLUMN} from incoming""")
    if _ever_loaded(con, rel):  # a restatement: the path's earlier rows go (a new path has none to scan for)
        for table in (source.table, source.quarantine_table):
            con.execute(f"delete from {table} where _source_file = ?", [rel])
    con.execute(f"""insert into {source.table} ({", ".join(LINEAGE_COLUMNS)}, {cols})
                    select ?, ?, current_timestamp, _source_row_number, {cols}
                    from checked where len({REASONS_COLUMN}) = 0""", [rel, sha])
    con.execute(f"""insert into {source.quarantine_table} ({", ".join(LINEAGE_COLUMNS)}, {cols}, {REASONS_COLUMN})
                    select ?, ?, current_timestamp, _source_row_number, {cols}, {REASONS_COLUMN}
                    from checked where len({REASONS_COLUMN}) > 0""", [rel, sha])
    loaded, quarantined = con.execute(f"""select count(*) filter (where len({REASONS_COLUMN}) = 0),
                                                 count(*) filter (where len({REASONS_COLUMN}) > 0)
                                          from checked""").fetchone()
    con.execute("drop table checked")
    return loaded, quarantined


def load_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, raw_root: Path,
              run_id: str = "manual", quarantine_root: Path | None = None) -> FileOutcome:
    rel = path.relative_to(raw_root).as_posix()
    sha, size = sha256_of(path), path.stat().st_size
    if _already_loaded(con, rel, sha):
        outcome = FileOutcome(rel, "unchanged")
        _log(con, source, rel, sha, size, outcome, run_id)
        return outcome
    try:
        table = read_source_file(path, source)
    except ContractError as exc:
        return reject_file(con, source, path, rel, run_id, quarantine_root, str(exc), sha)
    con.register("incoming", table)
    try:
        con.execute("begin transaction")
        loaded, quarantined = _land_rows(con, source, rel, sha)
        outcome = FileOutcome(rel, "loaded", rows_read=table.num_rows, rows_loaded=loaded,
                              rows_quarantined=quarantined)
        if loaded + quarantined != table.num_rows:  # cannot happen; refuse to commit if it does
            raise RuntimeError(f"{rel}: {table.num_rows} rows read but {loaded} loaded + {quarantined} quarantined")
        _log(con, source, rel, sha, size, outcome, run_id)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("incoming")
    return outcome


def load_source(con: duckdb.DuckDBPyConnection, source: Source, raw_root: Path, run_id: str = "manual",
                quarantine_root: Path | None = None, partition_keys: set[str] | None = None,
                known_keys: set[str] | None = None) -> LoadSummary:
    """Load the source's files; with `partition_keys`, only the files of those partitions (and
    withdraw only their removed files). A file whose name carries no partition key, or one outside
    `known_keys` (every partition there is), is rejected by every partitioned run: quarantined with
    the naming rule, never silently left out."""
    ensure_raw_schema(con)
    create_reference_tables(con)
    summary = LoadSummary(source.name)
    present = source_files(raw_root, source)
    rels = {p: p.relative_to(raw_root).as_posix() for p in present}
    if partition_keys is not None:
        keys = {p: file_partition_key(source.name, rels[p]) for p in present}
        first, last = (min(known_keys), max(known_keys)) if known_keys else (None, None)
        for path in present:
            key, rel = keys[path], rels[path]
            if key is not None and last is not None and key > last:  # a day or year not closed yet
                outcome = FileOutcome(rel, "deferred", message=f"partition {key} does not exist yet "
                                                              f"(last: {last}); the file waits in raw/")
                _log(con, source, rel, sha256_of(path), path.stat().st_size, outcome, run_id)
                summary.outcomes.append(outcome)
            elif key is None or (known_keys is not None and key not in known_keys):
                summary.outcomes.append(reject_file(
                    con, source, path, rel, run_id, quarantine_root,
                    f"{rel}: no partition for this file name ({naming_rule(source.name)}; "
                    f"partitions {first} … {last})"))
        present = [p for p in present if keys[p] in partition_keys]
    for path in present:
        summary.outcomes.append(load_file(con, source, path, raw_root, run_id, quarantine_root))
    summary.outcomes += retract_removed_files(con, source, {rels[p] for p in present}, run_id, partition_keys)
    return summary


def retract_removed_files(con, source: Source, present: set[str], run_id: str,
                          partition_keys: set[str] | None = None) -> list[FileOutcome]:
    """raw/ is the source of truth: rows of a file taken out of raw/ (withdrawn or renamed) leave too,
    so a renamed copy is never counted twice. Logged as 'removed'. A partitioned run looks only at
    the files of its own partitions."""
    loaded = con.execute("""select source_file, file_sha256, file_bytes from raw.load_log where source_name = ?
                            qualify row_number() over (partition by source_file order by logged_at desc) = 1
                               and status in ('loaded', 'unchanged')""", [source.name]).fetchall()
    if partition_keys is not None:
        loaded = [row for row in loaded if file_partition_key(source.name, row[0]) in partition_keys]
    outcomes = []
    for rel, sha, size in loaded:
        if rel in present:
            continue
        con.execute("begin transaction")
        rows = sum(con.execute(f"delete from {t} where _source_file = ?", [rel]).fetchone()[0]
                   for t in (source.table, source.quarantine_table))
        outcome = FileOutcome(rel, "removed", message=f"file no longer in raw/: {rows} row(s) withdrawn")
        _log(con, source, rel, sha, size, outcome, run_id)
        con.execute("commit")
        outcomes.append(outcome)
    return outcomes
