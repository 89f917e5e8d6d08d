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
-- only on the readings around it and a partitioned run gives what a full rebuild gives.
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

typical as (
    select station_code, reading_at::date as end_date, median(epoch(reading_at - prev_reading_at)) as typical_interval_s
    from sequenced
    where prev_reading_at is not null
    group by all
),

classified as (
    select
        s.*,
        t.typical_interval_s,
        epoch(s.reading_at - s.prev_reading_at) as interval_s,
        pow(10, ceil(log10(greatest(s.prev_totalizer_m3, 0) + 1))) as register_capacity_m3,
        s.totalizer_m3 - s.prev_totalizer_m3 as raw_delta_m3
    from sequenced as s
    join typical as t on s.station_code = t.station_code and s.reading_at::date = t.end_date
    where s.prev_reading_at is not null
),

volumes as (
    select
        *,
        raw_delta_m3 < 0
            and totalizer_m3 + register_capacity_m3 - prev_totalizer_m3
                <= {{ var('meter_rollover_max_fraction') }} * register_capacity_m3 as is_rollover,
        interval_s > {{ var('meter_gap_factor') }} * typical_interval_s as has_gap
    from classified
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
    from (select *, raw_delta_m3 < 0 and not is_rollover
                    and totalizer_m3 < {{ var('meter_reset_max_fraction') }} * prev_totalizer_m3 as is_reset
          from volumes)
),

with_median as (
    select *, median(volume_m3) filter (where volume_m3 > 0) over (partition by station_code, reading_at::date)
        as median_volume_m3
    from measured
)

select
    station_code,
    intake_code,
    prev_reading_at as interval_start_at,
    reading_at as interval_end_at,
    interval_s,
    typical_interval_s,
    volume_m3,
    is_rollover,
    is_reset,
    raw_delta_m3 < 0 and not is_rollover and not is_reset as is_negative_increment,
    has_gap,
    volume_m3 > {{ var('meter_spike_factor') }} * median_volume_m3 * interval_s / typical_interval_s
        and volume_m3 > 1 as is_spike,
    volume_m3 = 0 and coalesce(flow_m3_per_h, 0) > 0 as is_stuck,
    n_copies - 1 as n_duplicate_copies,
    source_file,
    source_row_number
from with_median
