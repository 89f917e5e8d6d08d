-- Interval volumes prorated onto calendar days (China Standard Time) by overlapping seconds, so
-- an interval across midnight or a multi-hour gap lands on the days it actually covers.
with intervals as (
    select * from {{ ref('int_meter_interval_volumes') }}
),

split as (
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
)

select
    station_code,
    volume_date,
    any_value(intake_code) as intake_code,
    sum(volume_m3 * overlap_s / interval_s) as volume_m3,
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
group by station_code, volume_date
