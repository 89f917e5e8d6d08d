"""Row-level contract checks, generated from the registry as one SQL expression per source.

Each check is a SQL condition over the raw text columns that is TRUE when the row breaks it; the
expression returns the list of reason codes (empty = valid). The ws_* parsing functions are the
same ones dbt staging casts with (dbt/macros/ws_functions.sql).
"""
from __future__ import annotations

import duckdb

from dagster_project.lib.contracts import APPLICATION_SOURCES, EARLIEST_DATE, Source
from dagster_project.lib.deployment import VINTAGE_BASES
from dagster_project.lib.reference import SEEDS_DIR
from dagster_project.lib.tables import sql_text

REASONS_COLUMN = "_reasons"
PARSERS = {"number": "ws_parse_number", "integer": "ws_parse_int", "date": "ws_parse_date",
           "timestamp": "ws_parse_cst_timestamp", "flag": "ws_parse_flag"}


# A code that must be in one of the deployment's own registers: check → (reason, table, the columns
# that name an entry). An empty register quarantines every row: nothing can be assessed against it.
REGISTER_CHECKS = {"aquifer": ("unknown_aquifer", "aquifers", ("aquifer_code", "aquifer_name_zh")),
                   "flow_section": ("unknown_flow_section", "ecological_flow_sections", ("section_code",)),
                   "key_user": ("unknown_key_user", "key_user_register", ("uscc",)),
                   "quota_product": ("unknown_quota_product", "water_quotas", ("product_code",))}


def create_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Known region codes and names (the deployment's register, loaded first), and the sector and
    water-source names every office shares (dbt seeds sector_map, water_source_map)."""
    con.execute("""create or replace temp table _regions as
                   select region_code, region_name_zh, short_name_zh, string_split(name_aliases, '|') as aliases
                   from deployment.regions""")
    for table, column in (("sector_map", "sub_sector_zh"), ("water_source_map", "water_source_zh")):
        con.execute(f"create or replace temp table _{table} as select {column} as name from read_csv(?, all_varchar = true)",
                    [str(SEEDS_DIR / f"{table}.csv")])


def parsed(column: str) -> str:
    """The column holding a value's parsed form in parsed_sql() (text columns: trimmed)."""
    return f'"_parsed_{column}"'


def parsed_sql(source: Source) -> str:
    """Every contract column parsed once, by the ws_* function of its kind, as _parsed_<name>.

    The row checks and the typed raw insert read these columns, so each value is parsed once per
    load, not once per rule (a timestamp has four rules)."""
    return ", ".join(f'{PARSERS[c.kind]}("{c.name}") as {parsed(c.name)}' if c.kind in PARSERS
                     else f'ws_trim("{c.name}") as {parsed(c.name)}' for c in source.columns)


def row_checks(source: Source) -> list[tuple[str, str]]:
    """(reason code, SQL condition true when broken) for every rule on this source, over the raw
    text columns and their parsed forms (parsed_sql)."""
    checks: list[tuple[str, str]] = []
    for c in source.columns:
        col, value = f'"{c.name}"', parsed(c.name)
        if c.required:
            checks.append((f"missing:{c.name}", f"{col} is null"))
        if c.kind in PARSERS:
            checks.append((f"invalid_{c.kind}:{c.name}", f"{col} is not null and {value} is null"))
        if c.min_value is not None:
            checks.append((f"below_minimum:{c.name}", f"{value} < {c.min_value}"))
        if c.max_value is not None:
            checks.append((f"above_maximum:{c.name}", f"{value} > {c.max_value}"))
        if c.kind in ("date", "timestamp"):
            checks.append((f"date_out_of_range:{c.name}", f"{value} < DATE '{EARLIEST_DATE}'"))
        if c.kind == "timestamp":
            # the platform cannot report the future (CST wall clock, one day of tolerance)
            checks.append((f"future_timestamp:{c.name}",
                           f"{value} > current_timestamp::timestamp + interval 1 day"))
        if c.check == "uscc":
            checks.append(("bad_uscc", f"{col} is not null and not ws_is_valid_uscc(upper(trim({col})))"))
        if c.check == "region_code":
            checks.append(("unknown_region_code",
                           f"{col} is not null and trim({col}) not in (select region_code from _regions)"))
        if c.check == "region_name":
            checks.append(("unknown_region_name",
                           f"{col} is not null and not exists (select 1 from _regions r where trim({col}) in "
                           f"(r.region_name_zh, r.short_name_zh) or list_contains(r.aliases, trim({col})))"))
        for check, table in (("sub_sector", "_sector_map"), ("water_source", "_water_source_map")):
            if c.check == check:
                checks.append((f"unknown_{check}", f"nullif(trim({col}), '') is not null "
                                                   f"and trim({col}) not in (select name from {table})"))
        if c.check == "statistics_basis":
            bases = ", ".join(f"'{b}'" for b in VINTAGE_BASES)
            checks.append(("unknown_statistics_basis", f"nullif(trim({col}), '') is not null and trim({col}) not in ({bases})"))
        if c.check in REGISTER_CHECKS:
            reason, table, columns = REGISTER_CHECKS[c.check]
            known = " union all ".join(f"select {k} from deployment.{table}" for k in columns)
            checks.append((reason, f"{col} is not null and trim({col}) not in ({known})"))
        if c.check == "application_source":
            sources = ", ".join(f"'{s}'" for s in APPLICATION_SOURCES)
            checks.append(("unknown_application_source", f"{col} is not null and trim({col}) not in ({sources})"))
        if c.choices:
            accepted = ", ".join(map(sql_text, c.choices))
            checks.append((f"not_in_choices:{c.name}", f"nullif(trim({col}), '') is not null and trim({col}) not in ({accepted})"))
        if c.check == "volume_unit":
            checks.append(("unknown_unit", f"{col} is not null and ws_volume_unit({col}) is null"))
    checks += [(r.reason, r.condition_sql) for r in source.row_rules]
    return checks


def broken_sql(source: Source) -> str:
    """TRUE when the row breaks any check: a plain filter, so valid rows never build a reasons list."""
    return "coalesce(" + " or ".join(f"({cond})" for _, cond in row_checks(source)) + ", false)"


def reasons_sql(source: Source) -> str:
    cases = ", ".join(f"case when coalesce({cond}, false) then '{reason}' end" for reason, cond in row_checks(source))
    return f"list_filter([{cases}]::varchar[], x -> x is not null)"
