-- Daily metered volume per station from the totalizer readings (the rules: macros/meter_rules.sql).
-- One sort does the work: a window pass over (station, time) gives each reading its neighbours
-- (two before, one after), so the outlier test of the reading and of the one before it, and so
-- the previous good reading (one or two back), come out of the same pass; the per-station-day
-- medians are one group-by joined back. That is exact for every station whose readings have no
-- duplicated time and no two outliers in a row; the rare station that has either (found in the
-- same pass) is computed by the full rule set (deduplication first, then the tests over the
-- deduplicated readings) over its rows only, and the pass's rows of that station are dropped.
-- Intervals are then prorated onto calendar days (China Standard Time) by overlapping seconds, so
-- an interval across midnight or a multi-hour gap lands on the days it actually covers.
-- Incremental by day: a partitioned run (its day window: macros/meter_window.sql) deletes and
-- rewrites exactly its days, so running a day twice, or after a crash, leaves the same rows.
-- On Spark (no DELETE on a Parquet table) the table is partitioned by volume_date and a run
-- overwrites the volume_date partitions it writes (insert_overwrite), the same day window; the
-- window's partitions are dropped first, so a day left without rows is emptied as on DuckDB.
-- Each prorated piece is rounded to the millilitre (1e-6 m³) and summed as a decimal: an exact
-- sum, the same whatever order DuckDB's threads add it in.
{% if target.type == 'spark' %}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    file_format='parquet',
    partition_by=['volume_date'],
    tags=['meter_daily'],
    pre_hook="{% if is_incremental() %}{{ meter_clear_window_partitions(this) }}{% endif %}",
) }}
{% else %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    tags=['meter_daily'],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ meter_days_in_window('volume_date') }}{% endif %}",
) }}
{% endif %}

{#- the readings a run reads: those of its day window (macros/meter_window.sql) -#}
{% set readings_in_window -%}
    reading_at is not null and totalizer_m3 is not null and station_code is not null
    and {{ meter_readings_in_window('source_file', 'reading_at') }}
{%- endset %}

-- What the sort carries is what it costs: the file's path and the load time and row number behind
-- a reading (lineage, wanted only by the rare full-rule station, which reads them again below) stay
-- out; a day's files are counted by a 64-bit hash of the path (two paths of one station-day sharing
-- a hash is a chance below 1e-18).
with readings as (
    select station_code, intake_code, reading_at, totalizer_m3, {{ meter_is_flowing('flow_m3_per_h') }},
           {{ hash64('source_file') }} as source_file_hash
    from {{ ref('stg_raw__meter_readings') }}
    where {{ readings_in_window }}
),

-- the one sort
neighbours as (
    select
        *,
        lag(reading_at, 2) over by_time   as before_2_at,
        lag(reading_at) over by_time      as before_1_at,
        lag(totalizer_m3, 2) over by_time as before_2_m3,
        lag(totalizer_m3) over by_time    as before_1_m3,
        lead(totalizer_m3) over by_time   as after_1_m3
    from readings
    window by_time as (partition by station_code order by reading_at)
),

-- on a station without duplicates or two outliers in a row, a reading after an outlier follows
-- the good reading two back (the one before an outlier is never an outlier itself)
tested as (
    select
        *,
        {{ meter_single_outlier('before_1_m3', 'totalizer_m3', 'after_1_m3') }} as is_outlier_reading,
        {{ meter_single_outlier('before_2_m3', 'before_1_m3', 'totalizer_m3') }} as follows_outlier,
        coalesce(before_1_at = reading_at, false)
            or {{ meter_pair_outlier('before_2_m3', 'before_1_m3', 'totalizer_m3', 'after_1_m3') }}
            or (is_outlier_reading and follows_outlier) as needs_full_rules,
        case when follows_outlier then before_2_at else before_1_at end as prev_reading_at,
        case when follows_outlier then before_2_m3 else before_1_m3 end as prev_totalizer_m3
    from neighbours
),

measured as (
    select
        *,
        not is_outlier_reading and prev_reading_at is not null as is_interval,
        {{ seconds_between('prev_reading_at', 'reading_at') }} as interval_s,
        {{ meter_interval_columns('prev_totalizer_m3', 'totalizer_m3') }}
    from tested
),

-- per station and reading day: the medians of the intervals ending that day, the outlier
-- readings, and how many files the day's readings came in (a late or re-sent file, 补传),
-- counted before duplicates are dropped
station_days as (
    select
        station_code,
        reading_at::date as reading_date,
        {{ meter_station_day_medians('is_interval') }},
        count(*) filter (where is_outlier_reading) as n_outlier_readings,
        count(distinct source_file_hash) as n_files_for_day,
        bool_or(needs_full_rules) as needs_full_rules
    from measured
    group by all
),

-- a station with any such day is computed by the full rules throughout (flagged here, on the small
-- station-day table, rather than by an anti-join over every reading)
station_flags as (
    select *, bool_or(needs_full_rules) over (partition by station_code) as is_full_rule_station
    from station_days
),

full_rule_stations as (
    select distinct station_code from station_days where needs_full_rules
),

full_rule_readings as (
    select station_code, intake_code, reading_at, totalizer_m3, {{ meter_is_flowing('flow_m3_per_h') }}, source_file,
           source_row_number, loaded_at
    from {{ ref('stg_raw__meter_readings') }}
    where {{ readings_in_window }} and station_code in (select station_code from full_rule_stations)
),

{{ meter_full_rules('full_rule_readings') }},

-- The interval rows are never stored: most intervals lie within one day and land on it whole; only
-- those across midnight are split over the days they span (a list per interval for every reading
-- would cost more than the rest). Each of the two computes its own intervals from `measured`, with
-- its test on the reading itself (a Jinja set, not a CTE: DuckDB writes out a CTE that two places
-- read, at a province's year to disk, and did not push the test below the join).
{% set common_intervals -%}
    select {{ meter_interval_row('m', 'd', 0) }}
    from measured as m
    join station_flags as d on m.station_code = d.station_code and m.reading_at::date = d.reading_date
    where m.is_interval and not d.is_full_rule_station
{%- endset %}

split as (
    select *, {{ meter_last_instant('interval_end_at') }}::date as volume_date, interval_s as overlap_s
    from (
        {{ common_intervals }} and {{ meter_within_one_day('m.prev_reading_at', 'm.reading_at') }}
        union all
        select * from full_intervals where {{ meter_within_one_day('interval_start_at', 'interval_end_at') }}
    ) as i
    union all
    select
        i.*,
        d.day::date as volume_date,
        {{ seconds_between('greatest(i.interval_start_at, d.day)', 'least(i.interval_end_at, d.day + interval 1 day)') }}
            as overlap_s
    from (
        {{ common_intervals }} and not {{ meter_within_one_day('m.prev_reading_at', 'm.reading_at') }}
        union all
        select * from full_intervals where not {{ meter_within_one_day('interval_start_at', 'interval_end_at') }}
    ) as i
    cross join {{ unnest_rows(day_starts_between('i.interval_start_at', meter_last_instant('i.interval_end_at'))) }}
        as d(day)
),

days as (
    select
        station_code,
        volume_date,
        max_by(intake_code, interval_end_at) as intake_code,
        sum(round(volume_m3 * overlap_s / interval_s, 6)::decimal(18, 6))::double as volume_m3,
        count(*) as n_intervals,
        sum(overlap_s) as covered_s,
        sum(overlap_s) >= 86400 as is_complete_day,
        bool_or(has_gap) as has_gap,
        bool_or(is_reset) as has_reset,
        bool_or(is_rollover) as has_rollover,
        bool_or(is_spike) as has_spike,
        count(*) filter (where is_negative_increment) as n_negative_increments,
        count(*) filter (where is_stuck) as n_stuck_intervals,
        sum(n_duplicate_copies) as n_duplicate_readings
    from split
    where {{ meter_days_in_window('volume_date') }}
    group by station_code, volume_date
)

select
    d.*,
    -- a full-rule station's outliers are those of its deduplicated readings (every reading day listed)
    coalesce(o.n_outlier_readings, s.n_outlier_readings, 0) as n_outlier_readings,
    coalesce(s.n_files_for_day, 1) as n_files_for_day
from days as d
left join station_days as s on d.station_code = s.station_code and d.volume_date = s.reading_date
left join full_outliers as o on d.station_code = o.station_code and d.volume_date = o.reading_date
