-- Meter readings, one per station and timestamp (duplicates counted, latest load wins), with
-- outlier readings flagged: a value outside the bracket of its two neighbours (prev ≤ next) is a
-- transmission spike, not a meter event. Rollovers and resets keep prev > next, so they are not
-- mistaken for outliers. Ephemeral: inlined into int_meter_daily_volumes, so a partitioned run
-- reads only the readings of its day window (macros/meter_window.sql).
{{ config(materialized='ephemeral', tags=['meter_daily']) }}

with readings as (
    select * from {{ ref('stg_raw__meter_readings') }}
    where reading_at is not null and totalizer_m3 is not null and station_code is not null
      and {{ meter_readings_in_window('source_file', 'reading_at') }}
),

-- a station-day spread over several files: a late or re-sent file (补传). A group-by and a join:
-- half the time of a windowed count(distinct) on millions of readings.
files_per_day as (
    select station_code, reading_at::date as reading_date, count(distinct source_file) as n_files_for_day
    from readings
    group by all
),

ranked as (
    select
        r.*,
        f.n_files_for_day,
        count(*) over (partition by r.station_code, r.reading_at) as n_copies,
        row_number() over (
            partition by r.station_code, r.reading_at
            order by r.loaded_at desc, r.source_file desc, r.source_row_number
        ) as copy_rank
    from readings as r
    join files_per_day as f on r.station_code = f.station_code and r.reading_at::date = f.reading_date
),

deduped as (
    select
        * exclude (copy_rank),
        lag(totalizer_m3) over by_time  as neighbour_before_m3,
        lead(totalizer_m3) over by_time as neighbour_after_m3
    from ranked
    where copy_rank = 1
    window by_time as (partition by station_code order by reading_at)
),

outliers as (
    select
        *,
        coalesce(neighbour_before_m3 <= neighbour_after_m3
                 and (totalizer_m3 > neighbour_after_m3 or totalizer_m3 < neighbour_before_m3), false)
            as is_outlier_reading
    from deduped
)

select * from outliers
