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
