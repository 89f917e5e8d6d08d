-- Totalizer readings → volume per reading interval, set-based:
--   duplicates and outlier readings: set aside in int_meter_readings_clean;
--   rollover: the register wrapped past its capacity (10^digits of the previous value);
--   reset: a meter replacement: the new register starts near zero (below meter_reset_max_fraction
--        of the old value), so its value is the volume;
--   negative increment: any other drop (backflow, a re-read register): no volume, flagged;
--   gap: an interval longer than meter_gap_factor × the station's usual interval that day (volume
--        kept, since the totalizer still measured it, and prorated over the days it spans);
--   spike: an increment above meter_spike_factor × the station's median increment that day (kept,
--        flagged);
--   stuck: no increment while the meter reports flow (kept, flagged).
-- "Usual" and "median" are taken over the intervals ending the same day, so a day's result depends
-- only on the readings around it and a partitioned run gives what a full rebuild gives. Both
-- medians come from one group-by joined back (a window per station-day would sort again).
-- Ephemeral, like int_meter_readings_clean.
{{ config(materialized='ephemeral', tags=['meter_daily']) }}

with sequenced as (
    select
        *,
        lag(reading_at) over by_time   as prev_reading_at,
        lag(totalizer_m3) over by_time as prev_totalizer_m3
    from {{ ref('int_meter_readings_clean') }}
    where not is_outlier_reading
    window by_time as (partition by station_code order by reading_at)
),

classified as (
    select
        *,
        reading_at::date as end_date,
        epoch(reading_at - prev_reading_at) as interval_s,
        pow(10, ceil(log10(greatest(prev_totalizer_m3, 0) + 1))) as register_capacity_m3,
        totalizer_m3 - prev_totalizer_m3 as raw_delta_m3
    from sequenced
    where prev_reading_at is not null
),

rollovers as (
    select
        *,
        raw_delta_m3 < 0
            and totalizer_m3 + register_capacity_m3 - prev_totalizer_m3
                <= {{ var('meter_rollover_max_fraction') }} * register_capacity_m3 as is_rollover
    from classified
),

resets as (
    select
        *,
        raw_delta_m3 < 0 and not is_rollover
            and totalizer_m3 < {{ var('meter_reset_max_fraction') }} * prev_totalizer_m3 as is_reset
    from rollovers
),

measured as (
    select
        *,
        case
            when raw_delta_m3 >= 0 then raw_delta_m3
            when is_rollover then totalizer_m3 + register_capacity_m3 - prev_totalizer_m3
            when is_reset then totalizer_m3
            else 0
        end as volume_m3
    from resets
),

station_days as (
    select
        station_code,
        end_date,
        median(interval_s) as typical_interval_s,
        median(volume_m3) filter (where volume_m3 > 0) as median_volume_m3
    from measured
    group by all
)

select
    m.station_code,
    m.intake_code,
    m.prev_reading_at as interval_start_at,
    m.reading_at as interval_end_at,
    m.interval_s,
    d.typical_interval_s,
    m.volume_m3,
    m.is_rollover,
    m.is_reset,
    m.raw_delta_m3 < 0 and not m.is_rollover and not m.is_reset as is_negative_increment,
    m.interval_s > {{ var('meter_gap_factor') }} * d.typical_interval_s as has_gap,
    m.volume_m3 > {{ var('meter_spike_factor') }} * d.median_volume_m3 * m.interval_s / d.typical_interval_s
        and m.volume_m3 > 1 as is_spike,
    m.volume_m3 = 0 and coalesce(m.flow_m3_per_h, 0) > 0 as is_stuck,
    m.n_copies - 1 as n_duplicate_copies
from measured as m
join station_days as d on m.station_code = d.station_code and m.end_date = d.end_date
