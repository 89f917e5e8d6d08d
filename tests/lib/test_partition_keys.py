from dagster_project.lib.partition_keys import (affected_day_ranges, changed_partitions, day_chunks,
                                                file_partition_key)


def test_meter_files_are_keyed_by_their_leading_day():
    assert file_partition_key("meter_readings", "meter_readings/20221229.csv") == "2022-12-29"
    assert file_partition_key("meter_readings", "20221229_补传_20230101.csv") == "2022-12-29"
    assert file_partition_key("meter_readings", "readings.csv") is None
    assert file_partition_key("meter_readings", "20221332.csv") is None  # no 32nd of the 13th month
    assert file_partition_key("meter_readings", "202212291.csv") is None


def test_annual_files_are_keyed_by_the_last_year_in_the_name():
    assert file_partition_key("industrial_returns", "survey/industrial_2021.xlsx") == "2021"
    assert file_partition_key("permits", "取水许可台账_2015版_2022.xlsx") == "2022"
    assert file_partition_key("permits", "取水许可台账.xlsx") is None


def test_a_changed_day_reruns_its_neighbours_merged_and_clipped():
    # 12-29 → 28..30; 12-31 → 30..01-01 clipped to the last partition 12-31; both touch: one run
    assert affected_day_ranges({"2022-12-29", "2022-12-31"}, "2022-01-01", "2022-12-31") == [
        ("2022-12-28", "2022-12-31")]
    # far apart days stay separate runs; the first partition clips the left neighbour
    assert affected_day_ranges({"2022-01-01", "2022-06-15"}, "2022-01-01", "2022-12-31") == [
        ("2022-01-01", "2022-01-02"), ("2022-06-14", "2022-06-16")]
    assert affected_day_ranges({"2030-01-01"}, "2022-01-01", "2022-12-31") == []


def test_changed_partitions_between_two_scans():
    before = {"meter_readings/20221229.csv": ["meter_readings", 10, 1],
              "meter_readings/20221230.csv": ["meter_readings", 10, 1],
              "survey/industrial_2021.xlsx": ["industrial_returns", 5, 1]}
    after = {"meter_readings/20221229.csv": ["meter_readings", 10, 1],      # unchanged
             "meter_readings/20221230.csv": ["meter_readings", 12, 2],      # rewritten
             "meter_readings/20221201_补传_20221230.csv": ["meter_readings", 3, 2],  # late file
             "survey/industrial_final.xlsx": ["industrial_returns", 5, 2]}   # no year in the name
    # industrial_2021 was removed: its year is re-run so its rows are withdrawn
    assert changed_partitions(before, after, {"meter_readings": "2022-12-31", "industrial_returns": "2026"}) == {
        "meter_readings": {"2022-12-30", "2022-12-01"}, "industrial_returns": {"2021", "2026"}}


def test_a_long_day_range_is_cut_into_chunks_that_cover_it_exactly():
    assert day_chunks("2022-01-01", "2022-12-31", 92) == [
        ("2022-01-01", "2022-04-02"), ("2022-04-03", "2022-07-03"),
        ("2022-07-04", "2022-10-03"), ("2022-10-04", "2022-12-31")]
    assert day_chunks("2022-12-30", "2023-01-02", 92) == [("2022-12-30", "2023-01-02")]
    assert day_chunks("2022-03-01", "2022-03-01", 1) == [("2022-03-01", "2022-03-01")]
