-- Interval volumes prorated onto calendar days (China Standard Time) by overlapping seconds, so
-- an interval across midnight or a multi-hour gap lands on the days it actually covers.
-- Incremental by day: a partitioned run (its day window: macros/meter_window.sql) deletes and
-- rewrites exactly its days, so running a day twice, or after a crash, leaves the same rows.
-- Each prorated piece is rounded to the millilitre (1e-6 m³) and summed as a decimal: an exact
-- sum, the same whatever order DuckDB's threads add it in.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    tags=['meter_daily'],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ meter_days_in_window('volume_date') }}{% endif %}",
) }}

with intervals as (
    select * from {{ ref('int_meter_interval_volumes') }}
),

-- Most intervals lie within one day and land on it whole; only those across midnight are split
-- over the days they span (a list per interval for every reading would cost more than the rest).
split as (
    select *, (interval_end_at - interval 1 microsecond)::date as volume_date, interval_s as overlap_s
    from intervals
    where interval_start_at::date = (interval_end_at - interval 1 microsecond)::date
    union all
    select
        i.*,
        d.day::date as volume_date,
        epoch(least(i.interval_end_at, d.day + interval 1 day) - greatest(i.interval_start_at, d.day))
            as overlap_s
    from intervals as i
    cross join unnest(generate_series(
        date_trunc('day', i.interval_start_at),
        date_trunc('day', i.interval_end_at - interval 1 microsecond),
        interval 1 day)) as d(day)
    where i.interval_start_at::date <> (i.interval_end_at - interval 1 microsecond)::date
),

days as (
    select
        station_code,
        volume_date,
        arg_max(intake_code, interval_end_at) as intake_code,
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
),

-- per reading day: outlier readings, and how many files the day's readings came in (a late or
-- re-sent file, 补传), counted before duplicates are dropped
files_per_day as (
    select station_code, reading_at::date as volume_date, count(distinct source_file) as n_files_for_day
    from {{ ref('stg_raw__meter_readings') }}
    where reading_at is not null and totalizer_m3 is not null and station_code is not null
      and {{ meter_readings_in_window('source_file', 'reading_at') }}
      and {{ meter_days_in_window('reading_at::date') }}
    group by all
),

reading_days as (
    select station_code, reading_at::date as volume_date, count(*) filter (where is_outlier_reading) as n_outlier_readings
    from {{ ref('int_meter_readings_clean') }}
    where {{ meter_days_in_window('reading_at::date') }}
    group by all
)

select
    d.*,
    coalesce(r.n_outlier_readings, 0) as n_outlier_readings,
    coalesce(f.n_files_for_day, 1) as n_files_for_day
from days as d
left join reading_days as r using (station_code, volume_date)
left join files_per_day as f using (station_code, volume_date)
