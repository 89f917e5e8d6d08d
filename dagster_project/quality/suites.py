"""Great Expectations suites: one per raw source (from the contract registry) and per key mart.

The suites are stored as JSON under expectations/ (`python -m dagster_project.quality.suites`
writes them; a test fails when a stored file differs from what this module builds), and run on
pandas DataFrames pulled read-only from DuckDB — GE's SQL path on DuckDB is broken upstream.

An expectation is declared here as data (its GE class name and arguments) and made a GE object only
when a suite is built or run: the definitions read the suites' names and tables at import, and
importing GE costs 2.4 s, which a run pays where it overlaps dbt's start-up
(ge_checks.preload_great_expectations).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dagster_project.ingest.loader import LINEAGE_COLUMNS
from dagster_project.lib.contracts import SOURCES, Source
from dagster_project.lib.reference import plausible_ranges
from dagster_project.settings import REPO_ROOT

if TYPE_CHECKING:
    import great_expectations as gx

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
USCC_REGEX = r"^[0-9A-HJ-NPQRTUWXY]{18}$"


@dataclass(frozen=True)
class Expectation:
    """One expectation: a class of great_expectations.expectations, by name, and its arguments."""
    kind: str
    kwargs: dict = field(default_factory=dict)

    def build(self):
        import great_expectations.expectations as gxe

        return getattr(gxe, self.kind)(**self.kwargs)


def expect(kind: str, **kwargs) -> Expectation:
    return Expectation(kind, kwargs)


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    table: str  # the DuckDB table the suite validates
    blocking: bool  # a failure stops what depends on the table
    expectations: tuple

    def build(self) -> gx.ExpectationSuite:
        import great_expectations as gx

        return gx.ExpectationSuite(name=self.name, expectations=[e.build() for e in self.expectations])


def raw_suite(source: Source) -> SuiteSpec:
    columns = [*LINEAGE_COLUMNS, *source.column_names()]
    exps = [expect("ExpectTableColumnsToMatchSet", column_set=columns, exact_match=True)]
    exps += [expect("ExpectColumnValuesToNotBeNull", column=c.name) for c in source.columns if c.required]
    exps += [expect("ExpectColumnValuesToMatchRegex", column=c.name, regex=USCC_REGEX, mostly=1.0)
             for c in source.columns if c.check == "uscc"]
    exps.append(expect("ExpectCompoundColumnsToBeUnique", column_list=["_source_file", "_source_row_number"]))
    return SuiteSpec(f"raw_{source.name}", source.table, blocking=False, expectations=tuple(exps))


def _plausible(code: str, column: str = "value", row_condition: str | None = None) -> Expectation:
    """The indicator's plausible range from the catalog seed (the bounds dbt's dq check applies)."""
    low, high = plausible_ranges()[code]
    return expect("ExpectColumnValuesToBeBetween", column=column, min_value=low, max_value=high,
                  row_condition=row_condition, condition_parser="pandas" if row_condition else None)


MART_SUITES = (
    SuiteSpec("marts_mart_water_use_by_region", "marts.mart_water_use_by_region", blocking=True, expectations=(
        expect("ExpectCompoundColumnsToBeUnique", column_list=["region_code", "report_year"]),
        expect("ExpectColumnValuesToNotBeNull", column="total_m3"),
        expect("ExpectColumnValuesToBeBetween", column="total_m3", min_value=0),
        # the sectors adding up to the total is dbt's check (dq_balance_failures), not repeated here
        expect("ExpectColumnPairValuesAToBeGreaterThanB", column_A="industry_m3",
               column_B="once_through_cooling_m3", or_equal=True),
    )),
    SuiteSpec("marts_fct_indicators", "marts.fct_indicators", blocking=True, expectations=(
        expect("ExpectCompoundColumnsToBeUnique", column_list=["region_code", "report_year", "indicator_code", "caliber"]),
        expect("ExpectColumnValuesToNotBeNull", column="value"),
        expect("ExpectColumnValuesToBeInSet", column="caliber", value_set=["statistical", "assessment"]),
    )),
    # The indicators' plausible ranges, a warning here: dbt's indicator_out_of_range blocks the one
    # report year an implausible cell belongs to, where a blocking suite would stop every year.
    SuiteSpec("marts_fct_indicators_plausible", "marts.fct_indicators", blocking=False, expectations=tuple(
        _plausible(code, row_condition=f'indicator_code=="{code}"') for code in plausible_ranges())),
    SuiteSpec("marts_fct_public_supply_leakage", "marts.fct_public_supply_leakage", blocking=True, expectations=(
        expect("ExpectCompoundColumnsToBeUnique", column_list=["uscc", "report_year"]),
        expect("ExpectColumnValuesToBeInSet", column="leakage_grade_zh", value_set=["一级", "二级", "未达标"]),
        _plausible("comprehensive_loss_rate", column="comprehensive_loss_rate_pct"),
    )),
)

RAW_SUITES = tuple(raw_suite(s) for s in SOURCES)
ALL_SUITES = RAW_SUITES + MART_SUITES


def suite_path(name: str):
    return EXPECTATIONS_DIR / f"{name}.json"


def to_json(spec: SuiteSpec) -> str:
    body = spec.build().to_json_dict()
    body.pop("id", None)
    for exp in body["expectations"]:
        exp.pop("id", None)
    return json.dumps({"table": spec.table, "blocking": spec.blocking, "suite": body},
                      ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_suite(name: str) -> tuple[dict, gx.ExpectationSuite]:
    """The stored suite file (what the checks run), and its GE object."""
    import great_expectations as gx

    stored = json.loads(suite_path(name).read_text(encoding="utf-8"))
    return stored, gx.ExpectationSuite(**stored["suite"])


def main() -> int:
    EXPECTATIONS_DIR.mkdir(exist_ok=True)
    for spec in ALL_SUITES:
        suite_path(spec.name).write_text(to_json(spec), encoding="utf-8")
    print(f"wrote {len(ALL_SUITES)} suites to {EXPECTATIONS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
