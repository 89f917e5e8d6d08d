-- Part of the daily-partitioned meter selection (tag meter_daily): rebuilt with each day's run.
{{ config(tags=['meter_daily']) }}

select
    trim(station_code)                    as station_code,
    trim(station_name)                    as station_name,
    trim(intake_code)                     as intake_code,
    {{ to_cst_timestamp('reading_ts') }}  as reading_at,
    {{ to_number('totalizer_m3') }}       as totalizer_m3,
    {{ to_number('flow_m3_per_h') }}      as flow_m3_per_h,
    trim(quality_flag)                    as quality_flag,
    _source_file                          as source_file,
    _source_row_number                    as source_row_number,
    _loaded_at                            as loaded_at
from {{ source('raw', 'meter_readings') }}
