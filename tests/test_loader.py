"""Landing files: lineage, idempotent re-loads, restatements, rejections that do not stop the night."""

from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME
from tests.conftest import new_warehouse

METER = SOURCES_BY_NAME["meter_readings"]
HEADER = "测站编码,测站名称,取水口编码,时间,累计流量(m³),瞬时流量(m³/h),数据标识\n"


def _write(raw, name, body):
    (raw / "meter_readings").mkdir(parents=True, exist_ok=True)
    (raw / "meter_readings" / name).write_text(HEADER + body, encoding="utf-8")


def test_same_file_twice_loads_once_and_a_changed_file_replaces_its_rows(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "d1.csv", "S,s,Q,2022-01-01 00:00,1,1,N\nS,s,Q,2022-01-01 01:00,2,1,N\n")
    con = new_warehouse(tmp_path)
    first = load_source(con, METER, raw, run_id="r1", settle_seconds=0)
    second = load_source(con, METER, raw, run_id="r2", settle_seconds=0)
    assert [o.status for o in first.outcomes] == ["loaded"]
    assert [o.status for o in second.outcomes] == ["unchanged"]
    assert con.execute("select count(*) from raw.meter_readings").fetchone()[0] == 2

    _write(raw, "d1.csv", "S,s,Q,2022-01-01 00:00,1,1,N\nS,s,Q,2022-01-01 01:00,2,1,N\nS,s,Q,2022-01-01 02:00,4,1,N\n")
    third = load_source(con, METER, raw, run_id="r3", settle_seconds=0)
    assert third.outcomes[0].status == "loaded"
    assert con.execute("select count(*) from raw.meter_readings").fetchone()[0] == 3  # replaced, not added
    lineage = con.execute("""select _source_file, _source_row_number, length(_file_sha256)
                             from raw.meter_readings order by 2""").fetchall()
    assert lineage == [("meter_readings/d1.csv", 2, 64), ("meter_readings/d1.csv", 3, 64),
                       ("meter_readings/d1.csv", 4, 64)]


def test_a_rejected_file_is_logged_and_the_others_still_load(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "a_good.csv", "S,s,Q,2022-01-01 00:00,1,1,N\n")
    (raw / "meter_readings" / "b_bad.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    (raw / "meter_readings" / "c_partial.csv.part").write_text("being written", encoding="utf-8")
    con = new_warehouse(tmp_path)
    summary = load_source(con, METER, raw, run_id="r1", settle_seconds=0)
    assert {o.file: o.status for o in summary.outcomes} == {
        "meter_readings/a_good.csv": "loaded", "meter_readings/b_bad.csv": "rejected"}
    log = con.execute("""select source_file, status, rows_read, rows_loaded, message
                         from raw.load_log where source_name <> 'deployment' order by source_file""").fetchall()
    assert log[0][1:4] == ("loaded", 1, 1)
    assert log[1][1] == "rejected" and "b_bad.csv" in log[1][4] and "missing_column" in log[1][4]


def test_a_file_taken_out_of_raw_withdraws_its_rows(tmp_path):
    raw = tmp_path / "raw"
    _write(raw, "a.csv", "S,s,Q,2022-01-01 00:00,1,1,N\n")
    _write(raw, "b.csv", "T,t,Q2,2022-01-01 00:00,1,1,N\n")
    con = new_warehouse(tmp_path)
    load_source(con, METER, raw, run_id="r1", settle_seconds=0)
    (raw / "meter_readings" / "b.csv").rename(raw / "meter_readings" / "b_renamed.csv")
    summary = load_source(con, METER, raw, run_id="r2", settle_seconds=0)
    assert {o.file: o.status for o in summary.outcomes} == {
        "meter_readings/a.csv": "unchanged", "meter_readings/b_renamed.csv": "loaded",
        "meter_readings/b.csv": "removed"}
    files = con.execute("select _source_file, count(*) from raw.meter_readings group by 1 order by 1").fetchall()
    assert files == [("meter_readings/a.csv", 1), ("meter_readings/b_renamed.csv", 1)]  # not counted twice


def test_a_negative_undated_or_unknown_section_flow_row_is_quarantined_and_the_others_load(tmp_path):
    flows = SOURCES_BY_NAME["ecological_flows"]
    raw = tmp_path / "raw"
    (raw / "ecological_flow").mkdir(parents=True)
    (raw / "ecological_flow" / "生态流量日报_2022.csv").write_text(
        "断面编码,断面名称,所在河流,日期,日均流量(m³/s)\n"
        "HD01,九圩港闸,九圩港,2022-01-01,12.5\n"
        "HD01,九圩港闸,九圩港,2022-01-02,-3.2\n"
        "HD01,九圩港闸,九圩港,2022-13-03,11\n"
        "HD99,某闸,某河,2022-01-01,5\n", encoding="utf-8")  # a section the deployment does not assess
    con = new_warehouse(tmp_path)
    summary = load_source(con, flows, raw, run_id="r1", settle_seconds=0)
    assert [o.status for o in summary.outcomes] == ["loaded"]
    assert con.execute("select flow_date, mean_flow_m3s from raw.ecological_flows").fetchall() == [("2022-01-01", "12.5")]
    quarantined = con.execute(f"select _source_row_number, _reasons from {flows.quarantine_table} order by 1").fetchall()
    assert quarantined == [(3, ["below_minimum:mean_flow_m3s"]), (4, ["invalid_date:flow_date"]),
                           (5, ["unknown_flow_section"])]


def test_plain_files_read_together_keep_each_files_lines_and_a_broken_one_is_rejected_alone(tmp_path):
    """The batch's plain files are read by one read_csv per shape (readers.stage_plain_files): each
    row keeps its own file's line number and a file with a title line is a shape of its own. A file
    with a row one field short fails the shared read: then each file is read alone, the broken one
    is rejected naming its line, and the others land."""
    raw = tmp_path / "raw"
    _write(raw, "d1.csv", "S,s,Q,2022-01-01 00:00,1,1,N\nS,s,Q,2022-01-01 01:00,2,1,N\nS,s,Q,2022-01-01 02:00,3,1,N\n")
    _write(raw, "d2.csv", "T,t,Q,2022-01-02 00:00,5,1,N\n")
    (raw / "meter_readings" / "d3.csv").write_text("平台导出\n" + HEADER + "U,u,Q,2022-01-03 00:00,7,1,N\n"
                                                   "U,u,Q,2022-01-03 01:00,8,1,N\n", encoding="utf-8")
    _write(raw, "d5.csv", "W,w,Q,2022-01-05 00:00,-1,1,N\nW,w,Q,2022-01-05 01:00,11,1,N\n")
    expected = [("meter_readings/d1.csv", 2, "S", 1.0), ("meter_readings/d1.csv", 3, "S", 2.0),
                ("meter_readings/d1.csv", 4, "S", 3.0), ("meter_readings/d2.csv", 2, "T", 5.0),
                ("meter_readings/d3.csv", 3, "U", 7.0), ("meter_readings/d3.csv", 4, "U", 8.0),
                ("meter_readings/d5.csv", 2, "W", None), ("meter_readings/d5.csv", 3, "W", 11.0)]
    rows_sql = """select _source_file, _source_row_number, station_code, totalizer_m3 from raw.meter_readings
                  union all
                  select _source_file, _source_row_number, station_code, null from raw.meter_readings__quarantine
                  order by 1, 2"""
    counts = [(3, 3, 0), (1, 1, 0), (2, 2, 0), (2, 1, 1)]  # read, loaded, quarantined (d5: a negative total)
    for broken, name in ((False, "together"), (True, "alone")):
        if broken:
            _write(raw, "d4.csv", "V,v,Q,2022-01-04 00:00,9,1,N\nV,v,Q,2022-01-04 01:00\n")
        (tmp_path / name).mkdir()
        con = new_warehouse(tmp_path / name)  # a fresh warehouse: every file read again
        outcome = {o.file.split("/")[1]: o for o in load_source(con, METER, raw, run_id="r", settle_seconds=0).outcomes}
        assert {f: o.status for f, o in outcome.items()} == {"d1.csv": "loaded", "d2.csv": "loaded", "d3.csv": "loaded",
                                                            "d5.csv": "loaded", **({"d4.csv": "rejected"} if broken else {})}
        assert [(o.rows_read, o.rows_loaded, o.rows_quarantined) for f, o in sorted(outcome.items())
                if f != "d4.csv"] == counts
        assert con.execute(rows_sql).fetchall() == expected
    assert "d4.csv" in outcome["d4.csv"].message and "Line: 3" in outcome["d4.csv"].message
