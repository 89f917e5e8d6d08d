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
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.raw_files import markers, owned_files, still_being_written
from dagster_project.ingest.raw_files import settle_seconds as settle_rule
from dagster_project.ingest.readers import ContractError, PlainCsv, Staged, file_layout, stage_file, stage_plain_files
from dagster_project.ingest.row_checks import (PARSERS, REASONS_COLUMN, broken_sql, create_reference_tables,
                                               parsed, parsed_sql, reasons_sql)
from dagster_project.lib.contracts import SOURCES, Source
from dagster_project.lib.deployment import deployment_dir
from dagster_project.lib.sql_functions import ws_functions_sql
from dagster_project.lib.partition_keys import file_partition_key, is_daily, is_future, naming_rule, today_cst
from dagster_project.lib.tables import sql_text
from dagster_project.settings import ensure_private_dir


LINEAGE_COLUMNS = ("_source_file", "_file_sha256", "_loaded_at", "_source_row_number")
# The files whose rows the raw tables hold now: each file's latest outcome that changed them. A
# 'waiting' or 'deferred' file was not read, so a file loaded before and being rewritten keeps
# its rows (and they leave if the file does).
CURRENT_FILES_SQL = """select source_name, source_file, file_sha256, file_bytes, logged_at from raw.load_log
                       where status not in ('waiting', 'deferred')
                       qualify row_number() over (partition by source_file order by logged_at desc) = 1
                           and status in ('loaded', 'unchanged')"""


@dataclass
class FileOutcome:
    file: str
    status: str  # loaded | unchanged | rejected | removed | deferred (its day is not over) | waiting (being written)
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

    def describe(self) -> str:
        """One line for the operator: what came in, or that nothing needed reloading."""
        def files(n: int) -> str:
            return f"{n} file{'s' if n != 1 else ''}"

        loaded, unchanged = self.count("loaded"), self.count("unchanged")
        parts = [f"{files(loaded)} loaded ({self.rows_loaded} rows, {self.rows_quarantined} quarantined)"] if loaded else []
        parts += [f"{files(n)} {what}" for n, what in (
            (len(self.rejected), "rejected"), (self.count("removed"), "withdrawn"),
            (self.count("deferred"), "waiting for their day"), (self.count("waiting"), "still being written")) if n]
        if unchanged:
            parts.append(f"{files(unchanged)} unchanged since their last load"
                         + ("; nothing to reload" if not parts else ""))
        return "; ".join(parts) or "no files"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Raw tables, quarantine tables, the load log, and the ws_* parsing functions. Every ingestion
    step calls this, so the catalog is read once and only what is missing is created or added (a
    statement per table and column each time cost seconds a run)."""
    con.execute(ws_functions_sql())
    con.execute("create schema if not exists raw")
    con.execute("""
        create table if not exists raw.load_log (
            source_name varchar, source_file varchar, file_sha256 varchar, file_bytes bigint,
            status varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint,
            message varchar, quarantined_to varchar, run_id varchar, started_by varchar,
            logged_at timestamp default current_timestamp)""")
    # every published version (exports/publication.py): which figures a year was first published with
    con.execute("""create table if not exists raw.publications (
                       report_year integer, unit varchar, version integer, published_at timestamp,
                       bundle_sha256 varchar, run_id varchar)""")
    existing: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute("""select table_name, column_name, data_type
                                                   from information_schema.columns where table_schema = 'raw'""").fetchall():
        existing.setdefault(f"raw.{table}", {})[column] = data_type
    lineage = "_source_file varchar, _file_sha256 varchar, _loaded_at timestamp, _source_row_number bigint"
    for source in SOURCES:
        for table, types, extra in ((source.table, source.column_types(), ""),
                                    # rejected rows stay text, exactly as received
                                    (source.quarantine_table, dict.fromkeys(source.column_names(), "varchar"),
                                     f", {REASONS_COLUMN} varchar[]")):
            if table not in existing:
                columns = ", ".join(f'"{c}" {t}' for c, t in types.items())
                con.execute(f"create table {table} ({lineage}, {columns}{extra})")
                continue
            for c, sql_type in types.items():  # a column the contract gained since
                if c not in existing[table]:
                    con.execute(f'alter table {table} add column "{c}" {sql_type}')
        if source.typed_raw and source.table in existing:
            _type_text_columns(con, source, existing[source.table])


def _type_text_columns(con, source: Source, current: dict[str, str]) -> None:
    """A warehouse built when this source's raw rows were text: parse them in place, once."""
    parsers = {c.name: PARSERS.get(c.kind, "trim") for c in source.columns}
    for column, sql_type in source.column_types().items():
        if sql_type != "varchar" and current.get(column) == "VARCHAR":
            con.execute(f'alter table {source.table} alter "{column}" type {sql_type} '
                        f'using {parsers[column]}("{column}")')


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
    target = ensure_private_dir(quarantine_root) / "files" / datetime.now().strftime("%Y%m%dT%H%M%S") / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    for marker in markers(path):  # its completion marker goes with it, or it would vouch for the next copy
        if marker.exists():
            shutil.move(str(marker), target.with_name(marker.name))
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


@dataclass
class _Pending:
    """A file accepted at file level, waiting to land with its batch: staged already, or a plain CSV
    waiting for the batch's one read (readers.stage_plain_files)."""
    rel: str
    sha: str
    size: int
    is_restatement: bool
    staged: Staged | None = None  # its rows, parsed, in a temporary table (readers.stage_file)
    plain: PlainCsv | None = None

    @property
    def rows(self) -> int:
        return self.staged.rows if self.staged else self.plain.records

    def rows_sql(self, index: int, columns: str) -> str:
        """Its rows with their lineage: the file's path and checksum as constants, not per-row data."""
        return (f"select {index} as _file_index, {sql_text(self.rel)} as _source_file, "
                f"{sql_text(self.sha)} as _file_sha256, "
                f"{self.staged.line_sql} as _source_row_number, {columns} from {self.staged.table} "
                f"where {self.staged.where}")


# Files are landed in batches of about this many rows: one check and insert for many files
# lets DuckDB use every core (a 240k-row day file alone keeps one busy) at bounded memory.
BATCH_ROWS = 2_000_000


def _land_batch(con, source: Source, batch: list[_Pending], run_id: str) -> list[FileOutcome]:
    """Split the batch's rows into raw (valid) and quarantine (with reasons), in one transaction:
    a restated path loses its earlier rows in the same commit that brings its new ones."""
    cols = ", ".join(f'"{c}"' for c in source.column_names())
    contract_columns = {c.name for c in source.columns}  # the *_unit columns come from headers, not rows
    values = ", ".join(parsed(c) if source.typed_raw and c in contract_columns else f'"{c}"'
                       for c in source.column_names())
    lineage = ", ".join(LINEAGE_COLUMNS)
    staged_columns = ", ".join([cols, *(parsed(c.name) for c in source.columns)])
    # the staged tables already hold each value parsed once (stage_file), so a view over them is read
    # by each statement below without parsing again
    incoming = " union all ".join(p.rows_sql(i, staged_columns) for i, p in enumerate(batch))
    file_lineage = "_source_file, _file_sha256, current_timestamp, _source_row_number"
    try:
        con.execute("begin transaction")
        con.execute(f"create or replace temp view parsed_rows as {incoming}")
        restated = [p.rel for p in batch if p.is_restatement]  # a new path has no earlier rows to scan for
        for table in (source.table, source.quarantine_table) if restated else ():
            con.execute(f"delete from {table} where _source_file in (select unnest(?::varchar[]))", [restated])
        broken = broken_sql(source)
        con.execute(f"""insert into {source.table} ({lineage}, {cols})
                        select {file_lineage}, {values} from parsed_rows where not {broken}""")
        # reasons are spelled out for the broken rows alone (the filter runs before the projection)
        con.execute(f"""insert into {source.quarantine_table} ({lineage}, {cols}, {REASONS_COLUMN})
                        select {file_lineage}, {cols}, {reasons_sql(source)} from parsed_rows where {broken}""")
        counts = dict((i, (ok, bad)) for i, ok, bad in con.execute(f"""
            select _file_index, count(*) filter (where not {broken}), count(*) filter (where {broken})
            from parsed_rows group by 1""").fetchall())
        con.execute("drop view parsed_rows")
        outcomes = []
        for i, p in enumerate(batch):
            loaded, quarantined = counts.get(i, (0, 0))
            read = p.staged.rows
            if loaded + quarantined != read:  # cannot happen; refuse to commit if it does
                raise RuntimeError(f"{p.rel}: {read} rows read but {loaded} loaded + {quarantined} quarantined")
            outcome = FileOutcome(p.rel, "loaded", rows_read=read, rows_loaded=loaded,
                                  rows_quarantined=quarantined, message=p.staged.note)
            _log(con, source, p.rel, p.sha, p.size, outcome, run_id)
            outcomes.append(outcome)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for p in batch:
            con.execute(f"drop table if exists {p.staged.table}")
    return outcomes


def _stage_and_land(con, source: Source, batch: list[_Pending], run_id: str,
                    quarantine_root: Path | None) -> list[FileOutcome]:
    """Read the batch's plain CSV files in one statement, reject those that break their contract,
    land the rest."""
    waiting = [p for p in batch if p.staged is None]
    outcomes = []
    staged = stage_plain_files(con, [p.plain for p in waiting], source, "_staged_plain", parsed_sql(source))
    for p, result in zip(waiting, staged):
        if isinstance(result, ContractError):
            outcomes.append(reject_file(con, source, p.plain.path, p.rel, run_id, quarantine_root, str(result), p.sha))
        else:
            p.staged = result
    ready = [p for p in batch if p.staged is not None]
    return outcomes + (_land_batch(con, source, ready, run_id) if ready else [])


def load_files(con: duckdb.DuckDBPyConnection, source: Source, paths: list[Path], raw_root: Path,
               run_id: str = "manual", quarantine_root: Path | None = None) -> list[FileOutcome]:
    """Load each file unless its bytes are already loaded; reject (and move away) a file that
    breaks its contract; land the accepted files in batches."""
    outcomes: list[FileOutcome] = []
    batch: list[_Pending] = []
    for path in paths:
        rel = path.relative_to(raw_root).as_posix()
        sha, size = sha256_of(path), path.stat().st_size
        if _already_loaded(con, rel, sha):
            outcomes.append(FileOutcome(rel, "unchanged"))
            _log(con, source, rel, sha, size, outcomes[-1], run_id)
            continue
        pending, table = _Pending(rel, sha, size, _ever_loaded(con, rel)), f"_staged_file_{len(batch)}"
        try:
            layout = file_layout(path, source)
            if layout and layout.is_plain and not layout.transcoded:
                pending.plain = layout.plain(path)  # read with the batch's other plain files, in one statement
            else:
                # each value parsed once, as it lands: the row checks and the typed insert read the results
                pending.staged = stage_file(con, path, source, table, parsed_sql(source), layout)
        except ContractError as exc:
            con.execute(f"drop table if exists {table}")
            outcomes.append(reject_file(con, source, path, rel, run_id, quarantine_root, str(exc), sha))
            continue
        batch.append(pending)
        if sum(p.rows for p in batch) >= BATCH_ROWS:
            outcomes += _stage_and_land(con, source, batch, run_id, quarantine_root)
            batch = []
    if batch:
        outcomes += _stage_and_land(con, source, batch, run_id, quarantine_root)
    order = {path.relative_to(raw_root).as_posix(): i for i, path in enumerate(paths)}
    return sorted(outcomes, key=lambda o: order[o.file])


def load_source(con: duckdb.DuckDBPyConnection, source: Source, raw_root: Path, run_id: str = "manual",
                quarantine_root: Path | None = None, partition_keys: set[str] | None = None,
                known_keys: set[str] | None = None, settle_seconds: float | None = None,
                deployment: Path | None = None) -> LoadSummary:
    """Load the source's files; with `partition_keys`, only the files of those partitions (and
    withdraw only their removed files). Every run rejects the source's files that cannot be its
    data (raw_files.py) and the files named for a day or year after today; a partitioned run also
    rejects a file whose name carries no partition key or one outside `known_keys` (every
    partition there is): quarantined with the rule, never silently left out. A file is touched
    only once it is complete (`settle_seconds`, default: the rule raw_file_settle_seconds). The
    deployment (default: WATERSTAT_DEPLOYMENT) is loaded first: its register is what region codes
    and names are checked against."""
    ensure_raw_schema(con)
    load_deployment(con, deployment or deployment_dir(), run_id)
    create_reference_tables(con)
    summary = LoadSummary(source.name)
    settle = settle_rule() if settle_seconds is None else settle_seconds
    now, today = time.time(), today_cst()
    first, last = (min(known_keys), max(known_keys)) if known_keys else (None, None)
    to_load, present = [], set()
    for f in owned_files(raw_root, source):
        key, deferred = file_partition_key(source.name, f.rel), ""
        problem = str(f.problem) if f.problem else ""
        if not problem and is_future(source.name, key, today):
            problem = _future_dated(f.path, source, key)
        if not problem and partition_keys is not None:
            if key is not None and last is not None and key > last:  # a day or year not closed yet
                deferred = f"partition {key} does not exist yet (last: {last}); the file waits in raw/"
            elif key is None or (known_keys is not None and key not in known_keys):
                problem = (f"{f.rel}: [no_partition] no partition for this file name ({naming_rule(source.name)}; "
                           f"partitions {first} … {last})")
            elif key not in partition_keys:
                continue  # another partition's file
        if waiting := still_being_written(f.path, now, settle):
            present.add(f.rel)  # its earlier rows stay until the new copy is read
            summary.outcomes.append(_log_kept(con, source, f.path, FileOutcome(f.rel, "waiting", message=waiting),
                                              run_id, sha=None))  # not worth hashing a partial file
        elif problem:
            summary.outcomes.append(reject_file(con, source, f.path, f.rel, run_id, quarantine_root, problem))
        elif deferred:
            summary.outcomes.append(_log_kept(con, source, f.path, FileOutcome(f.rel, "deferred", message=deferred),
                                              run_id, sha256_of(f.path)))
        else:
            to_load.append(f.path)
            present.add(f.rel)
    summary.outcomes += load_files(con, source, to_load, raw_root, run_id, quarantine_root)
    summary.outcomes += retract_removed_files(con, source, present, run_id, partition_keys)
    return summary


def _future_dated(path: Path, source: Source, key: str) -> str:
    when = f"{key}, a {'day that has not happened' if is_daily(source.name) else 'year that has not begun'} yet"
    return str(ContractError(path, "future_dated", f"named for {when}: check the file name or the exporting "
                                                   "machine's clock"))


def _log_kept(con, source: Source, path: Path, outcome: FileOutcome, run_id: str, sha: str | None) -> FileOutcome:
    """Log a file that stays in raw/ unread this run."""
    _log(con, source, outcome.file, sha, path.stat().st_size, outcome, run_id)
    return outcome


def retract_removed_files(con, source: Source, present: set[str], run_id: str,
                          partition_keys: set[str] | None = None) -> list[FileOutcome]:
    """raw/ is the source of truth: rows of a file taken out of raw/ (withdrawn or renamed) leave too,
    so a renamed copy is never counted twice. Logged as 'removed'. A partitioned run looks only at
    the files of its own partitions."""
    loaded = con.execute(f"select source_file, file_sha256, file_bytes from ({CURRENT_FILES_SQL}) "
                         "where source_name = ?", [source.name]).fetchall()
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
