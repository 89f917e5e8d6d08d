"""What the Dagster UI shows: groups and owners, row counts and typed column schemas at each
materialization, the CLI's runs under their jobs, a readable sensor cursor, and (slow, the real
webserver in headless Chromium) the asset graph with no pop-up over it."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from dagster_project import headless
from dagster_project.catalog import GROUP_OWNERS
from dagster_project.definitions import defs
from dagster_project.instance import ensure_dagster_home
from dagster_project.jobs import annual_sources_load
from dagster_project.run_planning import PlannedRun
from dagster_project.sensors import raw_files_sensor
from dagster_project.settings import REPO_ROOT

GROUPS = {"ingest", "staging", "intermediate", "marts", "reports", "quality", "exports"}
NOT_TABLES = {"bulletin_workbooks", "dq_report", "published_warehouse"}  # workbooks, an HTML page, a database file
POPUP = "Join the Dagster community"


def test_every_asset_has_a_group_of_the_pipeline_and_an_owning_team():
    graph = defs.resolve_asset_graph()
    assert set(GROUP_OWNERS) == GROUPS
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name in GROUPS, key
        assert node.owners == [GROUP_OWNERS[node.group_name]], key
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert (groups["staging/stg_raw__meter_readings"], groups["marts/dim_regions"], groups["ref/sector_map"],
            groups["deployment/regions"], groups["raw/permits"]) == ("staging", "marts", "ingest", "ingest", "ingest")


def test_the_sensor_cursor_keeps_chinese_file_names_readable(waterstat_env):
    names = ["permits/取水许可台账.xlsx", "survey/industrial_规上工业.xlsx"]
    past = time.time() - 3600  # settled long ago
    for name in names:
        path = waterstat_env.raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        os.utime(path, (past, past))
    context = dg.build_sensor_context()
    assert isinstance(raw_files_sensor(context), dg.SkipReason)  # the first tick records what is there
    assert all(name in context.cursor for name in names) and "\\u" not in context.cursor
    assert set(json.loads(context.cursor)) == set(names)

    # a cursor written before (ASCII-escaped JSON) reads the same: nothing changed, nothing runs
    old_style = json.dumps(json.loads(context.cursor))
    assert "\\u" in old_style
    context = dg.build_sensor_context(cursor=old_style)
    assert isinstance(raw_files_sensor(context), dg.SkipReason)
    assert json.loads(context.cursor) == json.loads(old_style) and "取水许可台账" in context.cursor


def ui_repository_label() -> str:
    """repository@location of the code location `make ui` loads (what the UI's job pages filter on)."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "dagster dev -m dagster_project.definitions " in makefile  # the location is named after the module
    return f"{defs.get_repository_def().name}@dagster_project.definitions"


def run_annual_load_the_cli_way(paths) -> str:
    """An annual load of the latest report year on an empty raw/, as `waterstat run` executes it."""
    ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))
    year = annual_sources_load.partitions_def.get_last_partition_key()
    assert headless.execute_runs(paths, [PlannedRun(annual_sources_load, year, year)])
    with dg.DagsterInstance.get() as instance:
        return instance.get_runs(limit=1)[0].run_id


def test_a_cli_run_is_listed_under_its_job_with_table_metadata(waterstat_env):
    run_id = run_annual_load_the_cli_way(waterstat_env)
    with dg.DagsterInstance.get() as instance:
        # the job page's query: the job's runs in the UI's repository
        listed = instance.get_runs(dg.RunsFilter(job_name="annual_sources_load",
                                                 tags={REPOSITORY_LABEL_TAG: ui_repository_label()}))
        assert [r.run_id for r in listed] == [run_id] and listed[0].status == dg.DagsterRunStatus.SUCCESS
        assert listed[0].job_code_origin.repository_origin.code_pointer.module == "dagster_project.definitions"
        # the raw tables it loaded, their quarantine and the load log: row counts and typed columns
        with duckdb.connect(str(waterstat_env.warehouse), read_only=True) as con:
            for table in ("permits", "permits__quarantine", "load_log"):
                event = instance.get_latest_materialization_event(dg.AssetKey(["raw", table]))
                assert event is not None and event.run_id == run_id, table
                metadata = event.asset_materialization.metadata
                assert metadata["dagster/row_count"].value == con.execute(
                    f"select count(*) from raw.{table}").fetchone()[0]
                expected = con.execute("select column_name, lower(data_type) from information_schema.columns "
                                       "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                                       [table]).fetchall()
                columns = metadata["dagster/column_schema"].value.columns
                assert [(c.name, c.type) for c in columns] == expected and len(expected) > 3
        # the contract's column notes come along
        permit_docs = {c.name: c.description for c in metadata_of(instance, ["raw", "permits"])}
        assert permit_docs["contact_phone"] == "personal data: never published"


def metadata_of(instance, path):
    return instance.get_latest_materialization_event(dg.AssetKey(path)).asset_materialization.metadata[
        "dagster/column_schema"].value.columns


@pytest.mark.pipeline
def test_every_table_asset_of_the_demo_run_has_its_row_count_and_typed_columns(demo_copy):
    graph = defs.resolve_asset_graph()
    with dg.DagsterInstance.get() as instance, duckdb.connect(str(demo_copy.warehouse), read_only=True) as con:
        types = {}
        for schema, table, column, type_ in con.execute(
                "select table_schema, table_name, column_name, lower(data_type) from information_schema.columns "
                "order by table_schema, table_name, ordinal_position").fetchall():
            types.setdefault((schema, table), []).append((column, type_))
        checked = set()
        for key in graph.get_all_asset_keys():
            if key.to_user_string() in NOT_TABLES:
                continue
            event = instance.get_latest_materialization_event(key)
            assert event is not None, f"{key.to_user_string()} never materialized in the demo run"
            metadata = event.asset_materialization.metadata
            schema, table = key.path
            assert metadata["dagster/row_count"].value == con.execute(
                f'select count(*) from "{schema}"."{table}"').fetchone()[0], key.to_user_string()
            assert [(c.name, c.type) for c in metadata["dagster/column_schema"].value.columns] \
                == types[(schema, table)], key.to_user_string()
            checked.add(schema)
    assert {"raw", "deployment", "ref", "staging", "intermediate", "marts", "reports", "quality"} <= checked
    # dbt models keep their YAML column descriptions beside the types the database has
    with dg.DagsterInstance.get() as instance:
        columns = {c.name: c for c in metadata_of(instance, ["marts", "dim_regions"])}
        assert columns["region_code"].type == "varchar" and columns["region_code"].description
        assert columns["sort_order"].type == "integer"


# --- the real webserver, seen by headless Chromium ----------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


def chromium() -> Path:
    """Debian's chromium, installed here if it is missing (a browser build of its own cannot be fetched)."""
    if not CHROMIUM.exists():
        install = subprocess.run("apt-get update -qq && apt-get install -y -qq chromium", shell=True,
                                 capture_output=True, text=True)
        if install.returncode != 0 or not CHROMIUM.exists():
            pytest.fail("headless Chromium is needed for the UI test and could not be installed "
                        f"(apt-get install chromium, as root):\n{install.stdout[-2000:]}\n{install.stderr[-2000:]}",
                        pytrace=False)
    return CHROMIUM


def chromium_page(url: str, profile: Path, *args: str) -> str:
    """The page after its scripts ran (virtual time: the graph's layout and data queries settle)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--window-size=1600,1000", "--virtual-time-budget=30000"]
    done = subprocess.run([str(chromium()), *flags, *args, url], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


WORKSPACE = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on RepositoryLocation { repositories { name } } } } } } }"""


def wait_for_code_location(base: str, server: subprocess.Popen, log: Path) -> str:
    """repository@location once the webserver has loaded the definitions."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, f"dagster-webserver exited:\n{log.read_text()[-3000:]}"
        try:
            [entry] = graphql(base, WORKSPACE)["workspaceOrError"]["locationEntries"]
            if entry["loadStatus"] == "LOADED":
                location = entry["locationOrLoadError"]
                assert location["__typename"] == "RepositoryLocation", f"{location}\n{log.read_text()[-3000:]}"
                return f"{location['repositories'][0]['name']}@{entry['name']}"
        except OSError:
            pass  # not listening yet
        time.sleep(1)
    pytest.fail(f"dagster-webserver did not load the definitions in 180 s:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_the_ui_opens_on_the_asset_graph_with_no_popup_and_lists_cli_runs_under_their_job(waterstat_env, tmp_path):
    chromium()
    run_id = run_annual_load_the_cli_way(waterstat_env)  # the instance `waterstat` writes (instance.py)
    port, log = free_port(), tmp_path / "webserver.log"
    base = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        server = subprocess.Popen([str(Path(sys.executable).parent / "dagster-webserver"), "-m",
                                   "dagster_project.definitions", "-h", "127.0.0.1", "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())
    try:
        repository = wait_for_code_location(base, server, log)
        graph_page = f"{base}/asset-groups"
        dom = chromium_page(graph_page, tmp_path / "profile", "--dump-dom")
        screenshot = tmp_path / "asset_graph.png"
        chromium_page(graph_page, tmp_path / "profile-shot", f"--screenshot={screenshot}")
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
        print(f"screenshot: {screenshot}")

        assert POPUP not in dom
        # the graph drawn: a node per asset group inside the graph's viewport (not just the sidebar list)
        viewport = dom[dom.index("data-svg-viewport"):]
        groups = {defs.resolve_asset_graph().get(k).group_name for k in defs.resolve_asset_graph().get_all_asset_keys()}
        assert all(f'data-tooltip="{group}"' in viewport for group in groups), groups

        # the job page lists the run `waterstat` executed in its own process
        job_runs = chromium_page(f"{base}/locations/{repository}/jobs/annual_sources_load/runs",
                                 tmp_path / "profile-runs", "--dump-dom")
        assert run_id[:8] in job_runs and "No runs found" not in job_runs and POPUP not in job_runs
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
