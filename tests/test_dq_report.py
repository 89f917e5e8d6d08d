"""The DQ report as statistics staff read it, on a small warehouse: the demo deployment loaded for
real, the check results of two years written in the shape dbt builds them (two blocking failures
in 2022, one of them a quarantined row; a warning in 2021), and a rejected file."""
import csv
import re
import shutil
from html import unescape
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.ingest.deployment_load import load_deployment
from dagster_project.ingest.loader import ensure_raw_schema
from dagster_project.ingest.row_checks import row_checks
from dagster_project.lib.contracts import SOURCES, SOURCES_BY_NAME
from dagster_project.lib.deployment import DEMO_DEPLOYMENT, deployment_rules
from dagster_project.lib.reference import SEEDS_DIR
from dagster_project.quality.report import build_report
from dagster_project.quality.wording import check_rule, file_reason, input_reasons, row_reason

SEED = {r["check_name"]: r for r in csv.DictReader(open(SEEDS_DIR / "dq_checks.csv", encoding="utf-8", newline=""))}
FAILING = {  # (check, year) → failing items (region_code, detail, source_file, source_row, reasons)
    ("magnitude_vs_previous_year", 2022): [
        ("320685", "海安市(320685) gdp_100m_yuan: 12,000,000，2021年 1,100，为其10909.1倍", None, None, None)],
    ("quarantined_survey_rows", 2022): [
        ("320682", "industrial_returns/2022.xlsx 第7行", "industrial_returns/2022.xlsx", 7,
         ["bad_uscc", "below_minimum:value_added_10k_yuan"])],
    ("meter_gaps", 2021): [("320685", f"ST32068500003 2021-03-0{d}", None, None, None) for d in range(1, 9)],
}


def warehouse(path: Path, deployment: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_raw_schema(con)
    load_deployment(con, deployment)
    con.execute("create schema ref; create schema quality")
    con.execute("create table ref.indicator_catalog as select * from read_csv(?, header = true)",
                [str(SEEDS_DIR / "indicator_catalog.csv")])
    con.execute("""create table quality.dq_check_results (check_name varchar, severity varchar, report_year integer,
        name_zh varchar, rule_zh varchar, action_zh varchar, description varchar, n_failing bigint, is_passed boolean,
        failing_examples struct(region_code varchar, detail varchar, source_file varchar, source_row integer,
                                reasons varchar[])[])""")
    for year in (2021, 2022):
        for name, c in ((n, c) for n, c in SEED.items() if c["scope"] == "year"):
            items = FAILING.get((name, year), [])
            examples = [dict(zip(("region_code", "detail", "source_file", "source_row", "reasons"), i)) for i in items]
            con.execute("insert into quality.dq_check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [name, c["severity"], year, c["name_zh"], c["rule_zh"], c["action_zh"], c["description"],
                         len(items), not items, examples or None])
    con.execute("""insert into raw.load_log (source_name, source_file, status, rows_read, rows_loaded, rows_quarantined, message)
                   values ('industrial_returns', 'industrial_returns/2022.xlsx', 'loaded', 10, 9, 1, ''),
                          ('permits', 'permits/许可证.xlsx', 'rejected', null, null, null,
                           'permits/许可证.xlsx: [missing_column] required column(s) not found: permit_no')""")
    return con


def with_rules(tmp_path: Path, rules: dict) -> Path:
    deployment = tmp_path / "deployment"
    shutil.copytree(DEMO_DEPLOYMENT, deployment)
    settings = yaml.safe_load((deployment / "deployment.yml").read_text(encoding="utf-8"))
    settings["rules"] = rules
    (deployment / "deployment.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return deployment


def page_for(tmp_path: Path, rules: dict) -> str:
    con = warehouse(tmp_path / "w.duckdb", with_rules(tmp_path, rules))
    summary = build_report(con, tmp_path / "dq")
    con.close()
    assert summary.blocked_years.keys() == {2022}
    return summary.path.read_text(encoding="utf-8")


def section(page: str, anchor: str) -> str:
    """The HTML from the heading with this id to the next h2."""
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2", start)
    return page[start:end if end > 0 else None]


def cells(html: str, cls: str = "") -> list[str]:
    attr = f' class="{cls}"' if cls else r'(?: class="[^"]*")?'
    return [unescape(c) for c in re.findall(rf"<td{attr}>(.*?)</td>", html, flags=re.S)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dq_report")
    page_for(root, {})
    return root


@pytest.fixture
def page(built) -> str:
    return (built / "dq" / "dq_report.html").read_text(encoding="utf-8")


def test_each_year_gets_a_verdict(page):
    assert "不可发布（2 项阻断）" in section(page, "y2022")
    assert "可以发布" in section(page, "y2021") and "不可发布" not in section(page, "y2021")
    verdicts = re.findall(r'<a href="#y(\d+)">\d+年</a></td>\s*<td><span class="\w+">(\S+?)</span>', page)
    assert verdicts == [("2021", "可以发布"), ("2022", "不可发布")]


def test_problems_name_regions_files_and_rows_not_codes(page):
    register = dict(duckdb.connect().execute("select region_code, region_name_zh from read_csv(?, all_varchar = true)",
                                             [str(DEMO_DEPLOYMENT / "regions.csv")]).fetchall())
    regions = cells(page, "region")
    assert len(regions) == 1 + 1 + 8  # every failing item, each with its region
    for cell in regions:
        name, code = re.fullmatch(r"(\S+) <small>(\d{6})</small>", cell).groups()
        assert register[code] == name
    y2022 = section(page, "y2022")
    blocking_first = y2022.index(SEED["magnitude_vs_previous_year"]["name_zh"])
    assert blocking_first < y2022.index(SEED["quarantined_survey_rows"]["name_zh"])
    # the quarantined row: its file, its row, its reasons in words with the contract's bound
    assert "<td>industrial_returns/2022.xlsx</td>" in y2022 and '<td class="num">7</td>' in y2022
    source = SOURCES_BY_NAME["industrial_returns"]
    assert "工业增加值(万元)”小于下限0" in row_reason("below_minimum:value_added_10k_yuan", source)[0]
    for code in ("bad_uscc", "below_minimum:value_added_10k_yuan"):
        rule, action = row_reason(code, source)
        assert rule in y2022 and action in y2022


def test_the_rule_shows_the_threshold_in_force(tmp_path):
    default = deployment_rules(DEMO_DEPLOYMENT)["dq_magnitude_factor"]
    changed = default + 3
    for factor, root in ((default, tmp_path / "a"), (changed, tmp_path / "b")):
        root.mkdir()
        y2022 = section(page_for(root, {"dq_magnitude_factor": changed} if factor == changed else {}), "y2022")
        assert f"超过上年的{factor}倍或不足上年的1/{factor}" in y2022
        assert "{" not in y2022  # no placeholder left
    assert f"上年的{default}倍" not in y2022


def test_samples_are_tables_without_json(page):
    assert cells(page) and not [c for c in cells(page) if re.search(r"[{}]|\[\s*['\"]", c)]
    # eight items of a warning: five open would be too many; they are behind a click
    y2021 = section(page, "y2021")
    assert "<details><summary>查看全部 8 项</summary>" in y2021


def test_every_failing_check_says_what_to_do(page):
    for (check, year), _ in FAILING.items():
        assert SEED[check]["action_zh"] in section(page, f"y{year}"), check
    files = section(page, "files")
    rule, action = file_reason("x: [missing_column] y")
    assert rule in files and action in files and "拒收" in files


def test_every_rule_and_reason_has_words():
    """Every check's placeholders have a value in force; every reason the loader can give has words."""
    con = duckdb.connect()
    ensure_raw_schema(con)
    load_deployment(con, DEMO_DEPLOYMENT)
    con.execute("create schema ref; create table ref.indicator_catalog as select * from read_csv(?, header = true)",
                [str(SEEDS_DIR / "indicator_catalog.csv")])
    from dagster_project.quality.wording import rule_values
    values = rule_values(con)
    for name, c in SEED.items():
        assert "{" not in check_rule(c["rule_zh"], values) and c["action_zh"], name
    assert "0.3～0.95" in check_rule(SEED["indicator_out_of_range"]["rule_zh"], values)  # from the catalog seed
    for source in SOURCES:
        for reason, _ in row_checks(source):
            rule, action = row_reason(reason, source)
            assert rule and action and "{" not in rule, reason
    code = "\n".join(p.read_text(encoding="utf-8") for p in Path("dagster_project").rglob("*.py"))
    file_rules = set(re.findall(r'ContractError\(\s*[^,]+,\s*"([a-z_]+)"', code)) | set(re.findall(r"\}: \[([a-z_]+)\] ", code))
    assert file_rules and file_rules <= {r for r, e in input_reasons().items() if e["applies_to"] == "file"}


def test_engineers_get_ge_data_docs_that_stay_offline(built, page):
    from dagster_project.quality.data_docs import OFFLINE_ONLY
    from dagster_project.quality.suites import ALL_SUITES

    engineers = section(page, "engineers")
    assert engineers.count("<details>") == 1 and '<a href="ge_data_docs/index.html">' in engineers
    docs = built / "dq" / "ge_data_docs"
    pages = list(docs.rglob("*.html"))
    assert {p.stem for p in (docs / "expectations").glob("*.html")} == {s.name for s in ALL_SUITES}
    assert all(OFFLINE_ONLY in p.read_text(encoding="utf-8") for p in pages)
