-- Part of the daily-partitioned meter selection (tag meter_daily): rebuilt with each day's run.
-- The loader stores meter readings typed (parsed once by the ws_* functions at load, contract
-- `typed_raw`), so staging only renames.
{{ config(tags=['meter_daily']) }}

select
    station_code,
    station_name,
    intake_code,
    reading_ts           as reading_at,
    totalizer_m3,
    flow_m3_per_h,
    quality_flag,
    _source_file         as source_file,
    _source_row_number   as source_row_number,
    _loaded_at           as loaded_at
from {{ source('raw', 'meter_readings') }}
