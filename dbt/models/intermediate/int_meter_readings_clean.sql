-- Meter readings, one per station and timestamp (duplicates counted, latest load wins), with
-- outlier readings flagged: a value outside the bracket of its two neighbours (prev ≤ next) is a
-- transmission spike, not a meter event. Rollovers and resets keep prev > next, so they are not
-- mistaken for outliers. Ephemeral: inlined into int_meter_daily_volumes, so a partitioned run
-- reads only the readings of its day window (macros/meter_window.sql).
-- Copies of a reading are rare (a re-sent file, a duplicated row), and a window over every
-- reading to find them costs more than the rest of the model: a group-by finds the duplicated
-- keys, and only their rows are ranked. How many files a station-day came in (a late or re-sent
-- file, 补传) is counted in int_meter_daily_volumes.
{{ config(materialized='ephemeral', tags=['meter_daily']) }}

with readings as (
    select station_code, intake_code, reading_at, totalizer_m3, flow_m3_per_h, source_file,
           source_row_number, loaded_at
    from {{ ref('stg_raw__meter_readings') }}
    where reading_at is not null and totalizer_m3 is not null and station_code is not null
      and {{ meter_readings_in_window('source_file', 'reading_at') }}
),

duplicated_keys as (
    select station_code, reading_at, count(*) as n_copies
    from readings
    group by all
    having count(*) > 1
),

ranked as (
    select r.*, 1 as n_copies, 1 as copy_rank
    from readings as r
    anti join duplicated_keys as k using (station_code, reading_at)
    union all
    select
        r.*,
        k.n_copies,
        row_number() over (partition by r.station_code, r.reading_at
                           order by r.loaded_at desc, r.source_file desc, r.source_row_number) as copy_rank
    from readings as r
    join duplicated_keys as k using (station_code, reading_at)
),

deduped as (
    select
        * exclude (copy_rank, source_file, source_row_number, loaded_at),  -- a lean window payload
        lag(totalizer_m3) over by_time  as neighbour_before_m3,
        lead(totalizer_m3) over by_time as neighbour_after_m3
    from ranked
    where copy_rank = 1
    window by_time as (partition by station_code order by reading_at)
)

select
    *,
    coalesce(neighbour_before_m3 <= neighbour_after_m3
             and (totalizer_m3 > neighbour_after_m3 or totalizer_m3 < neighbour_before_m3), false)
        as is_outlier_reading
from deduped
