"""The meter-to-daily SQL (readings → intervals → int_meter_daily_volumes) on hand-made cases.

Expected volumes are worked out by hand in the comments; dbt builds the real models on them.
"""
import duckdb
import pytest

from dagster_project.ingest.loader import load_source
from dagster_project.lib.contracts import SOURCES_BY_NAME
from tests.conftest import run_dbt

pytestmark = pytest.mark.slow  # a dbt build of the hand-made readings

HEADER = "测站编码,测站名称,取水口编码,时间,累计流量(m³),瞬时流量(m³/h),数据标识\n"
READINGS = """\
NORMAL,n,QN,2022-01-01 00:00,100,0,N
NORMAL,n,QN,2022-01-01 01:00,110,0,N
NORMAL,n,QN,2022-01-01 01:00,110,0,N
NORMAL,n,QN,2022-01-01 02:00,130,0,N
ROLL,r,QR,2022-01-01 00:00,9999990,0,N
ROLL,r,QR,2022-01-01 01:00,5,0,N
ROLL,r,QR,2022-01-01 02:00,25,0,N
RESET,s,QS,2022-01-01 00:00,500000,0,N
RESET,s,QS,2022-01-01 01:00,500040,0,N
RESET,s,QS,2022-01-01 02:00,3,0,N
GAP,g,QG,2022/1/1 22:00,0,0,N
GAP,g,QG,2022-01-01T15:00:00Z,10,0,N
GAP,g,QG,2022-01-02T03:00:00+08:00,50,0,N
GAP,g,QG,2022-01-02 04:00,60,0,N
OUTLIER,o,QO,2022-01-01 00:00,100,0,N
OUTLIER,o,QO,2022-01-01 01:00,5000,0,N
OUTLIER,o,QO,2022-01-01 02:00,120,0,N
OUTLIER,o,QO,2022-01-01 03:00,140,0,N
STUCK,k,QK,2022-01-01 00:00,50,3,N
STUCK,k,QK,2022-01-01 01:00,50,3,N
STUCK,k,QK,2022-01-01 02:00,53,3,N
BACK,b,QB,2022-01-01 00:00,1000,0,N
BACK,b,QB,2022-01-01 01:00,990,0,N
BACK,b,QB,2022-01-01 02:00,995,0,N
"""
# NORMAL: 10 + 20 = 30 on 01-01; the repeated 01:00 row is one duplicate copy, counted once.
# ROLL:   9,999,990 → 5 on a 7-digit register: 5 + 10^7 − 9,999,990 = 15; then 20 → 35.
# RESET:  40, then a new meter reading 3 (a drop far too big for a rollover) → 3 → 43.
# GAP:    22:00→23:00 (15:00Z is 23:00 CST) = 10; 23:00→03:00 is a 4 h gap of 40 m³, prorated
#         1 h (10) to 01-01 and 3 h (30) to 01-02; then 03:00→04:00 = 10.
#         → 01-01: 20, 01-02: 40.
# OUTLIER: 5000 sits outside its neighbours' bracket [100, 120]: a transmission spike, set aside;
#          100 → 120 (2 h) = 20, then 20 → 40. (Read as a meter event it would give 4,900 + a reset.)
#          Not a gap: the usual interval is the median of 2 h and 1 h = 1.5 h, and 2 h < 1.5 × 1.5 h.
# STUCK:  no increment while the meter reports 3 m³/h → one stuck interval; 50 → 53 → 3.
# BACK:   1000 → 990 is a small step back (990 is not below 10% of 1000, so no replacement, and it
#         is not an outlier since 995 < 1000): no volume, flagged; then 990 → 995 = 5.
EXPECTED = {
    ("NORMAL", "2022-01-01"): (30.0, False, False, False, 1),
    ("ROLL", "2022-01-01"): (35.0, True, False, False, 0),
    ("RESET", "2022-01-01"): (43.0, False, True, False, 0),
    ("GAP", "2022-01-01"): (20.0, False, False, True, 0),
    ("GAP", "2022-01-02"): (40.0, False, False, True, 0),
    ("OUTLIER", "2022-01-01"): (40.0, False, False, False, 0),
    ("STUCK", "2022-01-01"): (3.0, False, False, False, 0),
    ("BACK", "2022-01-01"): (5.0, False, False, False, 0),
}


@pytest.fixture
def daily(waterstat_env):
    (waterstat_env.raw / "meter_readings").mkdir(parents=True)
    (waterstat_env.raw / "meter_readings" / "cases.csv").write_text(HEADER + READINGS, encoding="utf-8")
    con = duckdb.connect(str(waterstat_env.warehouse))
    load_source(con, SOURCES_BY_NAME["meter_readings"], waterstat_env.raw, settle_seconds=0)
    con.close()
    proc = run_dbt(["build", "--select", "+int_meter_daily_volumes"], waterstat_env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    con = duckdb.connect(str(waterstat_env.warehouse), read_only=True)
    rows = con.execute("""select station_code, volume_date::varchar, volume_m3, has_rollover, has_reset, has_gap,
                                 n_duplicate_readings from intermediate.int_meter_daily_volumes""").fetchall()
    extra = con.execute("""select station_code, n_stuck_intervals from intermediate.int_meter_daily_volumes
                           where station_code in ('STUCK', 'NORMAL')""").fetchall()
    back = con.execute("""select station_code, n_negative_increments from intermediate.int_meter_daily_volumes
                          where station_code in ('BACK', 'RESET')""").fetchall()
    outliers = con.execute("""select station_code, volume_date::varchar, n_outlier_readings
                              from intermediate.int_meter_daily_volumes where n_outlier_readings > 0""").fetchall()
    con.close()
    daily = {(r[0], r[1]): r[2:] for r in rows}
    daily["stuck_intervals"] = dict(extra)
    daily["outliers"] = outliers
    daily["negative_increments"] = dict(back)
    return daily


def test_daily_volumes_and_flags_match_the_hand_worked_cases(daily):
    assert daily.pop("outliers") == [("OUTLIER", "2022-01-01", 1)]  # the 5000 reading
    assert daily.pop("stuck_intervals") == {"STUCK": 1, "NORMAL": 0}
    assert daily.pop("negative_increments") == {"BACK": 1, "RESET": 0}  # a replacement is not a step back
    assert set(daily) == set(EXPECTED)
    for key, (volume, rollover, reset, gap, dups) in EXPECTED.items():
        got = daily[key]
        assert got[0] == pytest.approx(volume), key
        assert got[1:] == (rollover, reset, gap, dups), key


# --- planted defects, over two daily files, a late file (补传) and a rerun of its day -------------
# Hourly readings; one file per day as the platform exports them, then a late file for 01-01.
DAY1 = """\
WRAP,w,QW,2022-01-01 00:00,99990,0,N
WRAP,w,QW,2022-01-01 01:00,99998,0,N
WRAP,w,QW,2022-01-01 02:00,6,0,N
WRAP,w,QW,2022-01-01 03:00,14,0,N
SWAP,s,QS,2022-01-01 00:00,80000,0,N
SWAP,s,QS,2022-01-01 01:00,80050,0,N
SWAP,s,QS,2022-01-01 02:00,20,0,N
SWAP,s,QS,2022-01-01 03:00,70,0,N
NIGHT,n,QN,2022-01-01 21:00,1000,0,N
NIGHT,n,QN,2022-01-01 22:00,1012,0,N
TWIN,t,QT,2022-01-01 00:00,100,0,N
TWIN,t,QT,2022-01-01 01:00,110,0,N
TWIN,t,QT,2022-01-01 02:00,9000,0,N
TWIN,t,QT,2022-01-01 03:00,9000,0,N
TWIN,t,QT,2022-01-01 04:00,140,0,N
TWIN,t,QT,2022-01-01 05:00,150,0,N
STALL,k,QK,2022-01-01 00:00,500,10,N
STALL,k,QK,2022-01-01 01:00,500,10,N
STALL,k,QK,2022-01-01 02:00,500,10,N
STALL,k,QK,2022-01-01 03:00,530,10,N
COPY,c,QC,2022-01-01 00:00,10,0,N
COPY,c,QC,2022-01-01 01:00,20,0,N
COPY,c,QC,2022-01-01 02:00,30,0,N
COPY,c,QC,2022-01-01 03:00,45,0,N
LATE,l,QL,2022-01-01 00:00,0,0,N
LATE,l,QL,2022-01-01 01:00,10,0,N
LATE,l,QL,2022-01-01 02:00,20,0,N
"""
DAY2 = """\
NIGHT,n,QN,2022-01-02 04:00,1084,0,N
NIGHT,n,QN,2022-01-02 05:00,1096,0,N
COPY,c,QC,2022-01-01 03:00,45,0,N
LATE,l,QL,2022-01-02 00:00,240,0,N
LATE,l,QL,2022-01-02 01:00,250,0,N
"""
# the platform re-sends LATE's missing hours of 01-01 two days later
LATE_FILE = "".join(f"LATE,l,QL,2022-01-01 {h:02d}:00,{10 * h},0,N\n" for h in range(3, 24))
# WRAP:  a 5-digit register wraps: 99,990 → 99,998 = 8; 99,998 → 6 is a drop whose increment past the
#        capacity 10^5 is 6 + 100,000 − 99,998 = 8 ≤ 1% of 10^5: a rollover of 8; 6 → 14 = 8. → 24.
# SWAP:  80,000 → 80,050 = 50; 80,050 → 20: past the capacity 20 + 100,000 − 80,050 = 19,970 > 1,000, so
#        no rollover; 20 < 10% of 80,050: a new meter, volume 20; 20 → 70 = 50. → 120, no step back.
# NIGHT: 21:00 → 22:00 = 12 on 01-01; 22:00 → 04:00 is 6 h of 72 m³: 2 h (24) on 01-01, 4 h (48) on
#        01-02; 04:00 → 05:00 = 12. → 01-01: 36, 01-02: 60. The 6 h interval ends on 01-02, whose
#        usual interval is the median of 6 h and 1 h = 3.5 h: 6 h > 1.5 × 3.5 h, a gap, flagged on both
#        days it covers.
# TWIN:  two spikes in a row (9,000, 9,000) both lie outside [110, 140], the readings around the pair:
#        set aside. 100 → 110 = 10, 110 → 140 (3 h) = 30, 140 → 150 = 10 → 50; 2 outlier readings. The
#        3 h left by them is a gap (usual interval 1 h). Read as meter events they would give
#        10 + 8,890 + 0 + a meter replacement of 140 + 10 = 9,050.
# STALL: 500 → 500 → 500 while the meter reports 10 m³/h: 2 stuck intervals; 500 → 530 = 30.
# COPY:  the 03:00 reading comes again in 01-02's file: one duplicate copy, counted once: 10 + 10 + 15
#        = 35; the day's readings came in 2 files.
# LATE:  first run: 0 → 10 → 20, then 02:00 → 00:00 of 01-02 is 22 h of 220 m³, which lands wholly on
#        01-01 (an interval ending at midnight belongs to the day before), a gap → 240 over 3 intervals
#        from 1 file; 01-02: 00:00 → 01:00 = 10. After the late file and a rerun of 01-01 alone: 24
#        one-hour intervals of 10 → 240, no gap, from 2 files; every other row as it was.
PLANTED = {  # (station, day): (volume, n_intervals, rollover, reset, gap, stuck, negative, duplicates, outliers, files)
    ("WRAP", "2022-01-01"): (24.0, 3, True, False, False, 0, 0, 0, 0, 1),
    ("SWAP", "2022-01-01"): (120.0, 3, False, True, False, 0, 0, 0, 0, 1),
    ("NIGHT", "2022-01-01"): (36.0, 2, False, False, True, 0, 0, 0, 0, 1),
    ("NIGHT", "2022-01-02"): (60.0, 2, False, False, True, 0, 0, 0, 0, 1),
    ("TWIN", "2022-01-01"): (50.0, 3, False, False, True, 0, 0, 0, 2, 1),
    ("STALL", "2022-01-01"): (30.0, 3, False, False, False, 2, 0, 0, 0, 1),
    ("COPY", "2022-01-01"): (35.0, 3, False, False, False, 0, 0, 1, 0, 2),
    ("LATE", "2022-01-01"): (240.0, 3, False, False, True, 0, 0, 0, 0, 1),
    ("LATE", "2022-01-02"): (10.0, 1, False, False, False, 0, 0, 0, 0, 1),
}
LATE_RERUN = {**PLANTED, ("LATE", "2022-01-01"): (240.0, 24, False, False, False, 0, 0, 0, 0, 2)}


def planted_rows(warehouse) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("""select station_code, volume_date::varchar, volume_m3, n_intervals, has_rollover,
                                     has_reset, has_gap, n_stuck_intervals, n_negative_increments,
                                     n_duplicate_readings, n_outlier_readings, n_files_for_day
                              from intermediate.int_meter_daily_volumes""").fetchall()
    return {(r[0], r[1]): (pytest.approx(r[2]), *r[3:]) for r in rows}


def load_meter_files(paths) -> None:
    with duckdb.connect(str(paths.warehouse)) as con:
        load_source(con, SOURCES_BY_NAME["meter_readings"], paths.raw, settle_seconds=0)


def test_planted_defects_and_a_late_file_rerun_give_the_hand_worked_days(waterstat_env, monkeypatch):
    folder = waterstat_env.raw / "meter_readings"
    folder.mkdir(parents=True)
    (folder / "20220101.csv").write_text(HEADER + DAY1, encoding="utf-8")
    (folder / "20220102.csv").write_text(HEADER + DAY2, encoding="utf-8")
    load_meter_files(waterstat_env)
    proc = run_dbt(["build", "--select", "+int_meter_daily_volumes"], waterstat_env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert planted_rows(waterstat_env.warehouse) == PLANTED

    (folder / "20220101_补传_20220103.csv").write_text(HEADER + LATE_FILE, encoding="utf-8")
    load_meter_files(waterstat_env)
    monkeypatch.setenv("WATERSTAT_METER_START_DATE", "2022-01-01")  # the day's partition, as Dagster runs it
    monkeypatch.setenv("WATERSTAT_METER_END_DATE", "2022-01-01")
    proc = run_dbt(["run", "--select", "int_meter_daily_volumes"], waterstat_env)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert planted_rows(waterstat_env.warehouse) == LATE_RERUN
