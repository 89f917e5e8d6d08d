-- Meter and permit checks: station-days with an event the daily model counted (a reset, a
-- rollover, a gap, a spike, duplicates, stuck or outlier readings, a day in several files),
-- stations without a permit, water drawn on an expired permit, quarantined readings. Every branch
-- names all seven columns (Spark has no UNION ALL BY NAME); only a quarantined row has a file.
{%- for check, flag in [('meter_resets', 'has_reset'), ('meter_rollovers', 'has_rollover'), ('meter_gaps', 'has_gap'), ('meter_spikes', 'has_spike')] %}
select '{{ check }}' as check_name, cast(year(volume_date) as integer) as report_year, region_code,
       station_code || ' ' || cast(volume_date as string) as detail,
       null as source_file, null as source_row, null as reasons
from {{ ref('fct_meter_daily_withdrawal') }} where {{ flag }}
union all
{%- endfor %}

{#- station-days with a count of some meter event: (check, count column, threshold, unit in the detail) #}
{%- for check, count, at_least, unit in [
    ('meter_duplicate_readings', 'n_duplicate_readings', 1, '条重复'),
    ('meter_negative_increments', 'n_negative_increments', 1, '次回退'),
    ('meter_stuck', 'n_stuck_intervals', 1, '个时段'),
    ('meter_outlier_readings', 'n_outlier_readings', 1, '个异常读数'),
    ('meter_day_in_several_files', 'n_files_for_day', 2, '个文件')] %}
select '{{ check }}', cast(year(volume_date) as integer), region_code,
       station_code || ' ' || cast(volume_date as string) || ': ' || cast({{ count }} as string) || ' {{ unit }}',
       null, null, null
from {{ ref('fct_meter_daily_withdrawal') }} where {{ count }} >= {{ at_least }}
union all
{%- endfor %}

select case finding_code when 'no_valid_permit' then 'expired_permit_drawing' else finding_code end,
       report_year, region_code, detail_zh, null, null, null
from {{ ref('fct_compliance_findings') }}
where finding_code in ('station_without_permit', 'no_valid_permit')

union all
select 'quarantined_meter_rows' as check_name, year(ws_parse_cst_timestamp(reading_ts)) as report_year,
       null as region_code, _source_file || ' 第' || cast(_source_row_number as string) || '行' as detail,
       _source_file as source_file, _source_row_number as source_row, _reasons as reasons
from {{ source('raw', 'meter_readings__quarantine') }}

union all
-- a permit renewed after it lapsed (fct_permit_lapses): a real late renewal, kept; the gap days are unpermitted
select 'permit_lapse' as check_name, cast(year(lapsed_from) as integer) as report_year, region_code,
       message_zh as detail, null as source_file, null as source_row, null as reasons
from {{ ref('fct_permit_lapses') }}
