-- Completeness of the annual returns: fewer rows than the deployment's minimum_returns, rows
-- quarantined (a total would be incomplete), a unit in two regions or reported twice, and files
-- rejected at load. One row per failing item; a quarantined row or a rejected file also names its
-- file (and row). Every branch names all seven columns (Spark has no UNION ALL BY NAME).
with returns as (
    select 'industrial_returns' as source_name, report_year, uscc as unit_id, region_code, source_file
    from {{ ref('stg_raw__industrial_returns') }}
    union all select 'supply_returns', report_year, uscc, region_code, source_file
    from {{ ref('stg_raw__supply_returns') }}
    union all select 'irrigation_returns', report_year, district_code, region_code, source_file
    from {{ ref('stg_raw__irrigation_returns') }}
),

row_counts as (
    select source_name, report_year, count(*) as n_rows from returns group by all
    union all select 'county_summary_returns', report_year, count(*)
    from {{ ref('stg_raw__county_summary_returns') }} group by all
    union all select 'economic_statistics', report_year, count(*)
    from {{ ref('stg_raw__economic_statistics') }} group by all
    union all select 'wastewater_plant_returns', report_year, count(*)
    from {{ ref('stg_raw__wastewater_plant_returns') }} group by all
)

select 'row_count_below_expected' as check_name, y.report_year, null as region_code,
       e.source_name || ': ' || cast(coalesce(c.n_rows, 0) as string) || ' 行，预期不少于 '
           || cast(e.min_rows_per_year as string) || ' 行' as detail,
       null as source_file, null as source_row, null as reasons
from {{ source('deployment', 'minimum_returns') }} as e
cross join (select distinct report_year from {{ ref('mart_water_use_by_region') }}) as y
left join row_counts as c on c.source_name = e.source_name and c.report_year = y.report_year
where coalesce(c.n_rows, 0) < e.min_rows_per_year

union all
select 'unit_in_two_regions', report_year, null,
       unit_id || ' 同时出现在 ' || {{ string_agg_sorted('region_code', "'、'", distinct=true) }}, null, null, null
from returns
group by report_year, unit_id
having count(distinct region_code) > 1

union all
select 'unit_reported_twice', report_year, any_value(region_code),
       unit_id || ' 在 ' || cast(count(*) as string) || ' 个文件/行中重复报送: ' || {{ string_agg_sorted('source_file', "'、'") }},
       null, null, null
from returns
group by report_year, unit_id
having count(*) > 1

union all
-- one item per quarantined row: its file, row and reasons
select 'quarantined_survey_rows' as check_name, ws_parse_int(report_year) as report_year,
       trim(region_code) as region_code, _source_file || ' 第' || cast(_source_row_number as string) || '行' as detail,
       _source_file as source_file, _source_row_number as source_row, _reasons as reasons
from (
    {%- for s in ['industrial_returns', 'supply_returns', 'irrigation_returns', 'county_summary_returns',
                  'wastewater_plant_returns'] %}
    select report_year, region_code, _source_file, _source_row_number, _reasons
    from {{ source('raw', s ~ '__quarantine') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

union all
-- unconventional water without its type (an old-layout return, a summary's bare 非常规水): counted
-- as 其他非常规水, so the by-type figures are incomplete
select 'unconventional_untyped' as check_name, report_year, region_code,
       uscc || ' 非常规水 ' || {{ fixed_decimals('new_water_unconventional_untyped_m3', 0) }} || ' m³ 未分类型，计入其他非常规水'
           as detail,
       source_file, source_row_number as source_row, null as reasons
from {{ ref('stg_raw__industrial_returns') }}
where new_water_unconventional_untyped_m3 > 0
union all
select 'unconventional_untyped' as check_name, report_year, region_code,
       coalesce(sub_sector_zh, '未分行业') || ' 汇总表 非常规水 ' || {{ fixed_decimals('volume_m3', 0) }}
           || ' m³ 未分类型，计入其他非常规水' as detail,
       source_file, source_row_number as source_row, null as reasons
from {{ ref('stg_raw__county_summary_returns') }}
where water_source_zh = '非常规水' and volume_m3 > 0

union all
select 'rejected_files' as check_name, null as report_year, null as region_code,
       source_file || ': ' || message as detail, source_file, null as source_row, null as reasons
from (select * from {{ source('raw', 'load_log') }}
      qualify row_number() over (partition by source_file order by logged_at desc) = 1)
where status = 'rejected'
