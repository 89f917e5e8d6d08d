-- Meter readings, one per station and timestamp (duplicates counted, latest load wins), with
-- outlier readings flagged: a value outside the bracket of its two neighbours (prev ≤ next) is a
-- transmission spike, not a meter event. Rollovers and resets keep prev > next, so they are not
-- mistaken for outliers.
with readings as (
    select * from {{ ref('stg_raw__meter_readings') }}
    where reading_at is not null and totalizer_m3 is not null and station_code is not null
),

ranked as (
    select
        *,
        count(*) over (partition by station_code, reading_at) as n_copies,
        -- a station-day spread over several files: a late or re-sent file (补传)
        count(distinct source_file) over (partition by station_code, reading_at::date) as n_files_for_day,
        row_number() over (
            partition by station_code, reading_at
            order by loaded_at desc, source_file desc, source_row_number
        ) as copy_rank
    from readings
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
