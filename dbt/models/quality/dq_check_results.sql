-- Statistics-aware data-quality checks, one row per check × report year (× region where it
-- applies), so a failure blocks only the bulletin year it concerns. Severity and text come from
-- seeds/dq_checks.csv; `blocking` failures stop that year's bulletin (dagster_project/quality/gate.py).
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
),

failures as (
    select 'sectors_sum_to_total' as check_name, report_year, region_code,
           printf('合计 %.0f m³，分行业之和 %.0f m³', total_m3,
                  agriculture_m3 + industry_m3 + domestic_m3 + ecological_m3) as detail
    from use_
    where abs(total_m3 - (coalesce(agriculture_m3, 0) + coalesce(industry_m3, 0) + coalesce(domestic_m3, 0)
                          + coalesce(ecological_m3, 0))) > 1

    union all
    select 'sources_sum_to_total', report_year, region_code,
           printf('用水 %.0f m³，供水 %.0f m³', total_m3, surface_m3 + ground_m3 + unconventional_m3)
    from use_
    where abs(total_m3 - (surface_m3 + ground_m3 + unconventional_m3)) > 1

    union all
    select 'indicator_out_of_range', report_year, region_code, printf('%s = %.4f', indicator_code, value)
    from {{ ref('fct_indicators') }}
    where (indicator_code = 'irrigation_efficiency_coefficient' and value not between 0.3 and 0.95)
       or (indicator_code in ('network_leakage_rate', 'comprehensive_loss_rate') and value not between 0 and 60)
       or (indicator_code = 'industrial_reuse_rate' and value not between 0 and 99.9)

    union all
    select 'row_count_below_expected', y.report_year, null,
           printf('%s: %d 行，预期不少于 %d 行', e.source_name, coalesce(c.n_rows, 0), e.min_rows_per_year)
    from {{ ref('expected_row_counts') }} as e
    cross join (select distinct report_year from use_) as y
    left join (
        select 'industrial_returns' as source_name, report_year, count(*) as n_rows from {{ ref('stg_raw__industrial_returns') }} group by all
        union all select 'supply_returns', report_year, count(*) from {{ ref('stg_raw__supply_returns') }} group by all
        union all select 'irrigation_returns', report_year, count(*) from {{ ref('stg_raw__irrigation_returns') }} group by all
        union all select 'county_summary_returns', report_year, count(*) from {{ ref('stg_raw__county_summary_returns') }} group by all
        union all select 'economic_statistics', report_year, count(*) from {{ ref('stg_raw__economic_statistics') }} group by all
    ) as c on c.source_name = e.source_name and c.report_year = y.report_year
    where coalesce(c.n_rows, 0) < e.min_rows_per_year

    union all
    select 'quarantined_survey_rows', ws_parse_int(report_year), null,
           printf('%s: %d 行被隔离 (%s)', source_name, count(*), string_agg(distinct reasons, '; '))
    from (
        {%- for s in ['industrial_returns', 'supply_returns', 'irrigation_returns', 'county_summary_returns'] %}
        select '{{ s }}' as source_name, report_year, array_to_string(_reasons, ',') as reasons
        from {{ source('raw', s ~ '__quarantine') }}
        {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    )
    group by ws_parse_int(report_year), source_name

    union all
    select 'unit_in_two_regions', report_year, null, printf('%s 同时出现在 %s', unit_id, string_agg(distinct region_code, '、'))
    from (
        select report_year, uscc as unit_id, region_code from {{ ref('stg_raw__industrial_returns') }}
        union all select report_year, uscc, region_code from {{ ref('stg_raw__supply_returns') }}
        union all select report_year, district_code, region_code from {{ ref('stg_raw__irrigation_returns') }}
    )
    group by report_year, unit_id
    having count(distinct region_code) > 1

    union all
    select 'unit_reported_twice', report_year, any_value(region_code),
           printf('%s 在 %d 个文件/行中重复报送: %s', unit_id, count(*), string_agg(source_file, '、'))
    from (
        select report_year, uscc as unit_id, region_code, source_file from {{ ref('stg_raw__industrial_returns') }}
        union all select report_year, uscc, region_code, source_file from {{ ref('stg_raw__supply_returns') }}
        union all select report_year, district_code, region_code, source_file from {{ ref('stg_raw__irrigation_returns') }}
    )
    group by report_year, unit_id
    having count(*) > 1

    union all
    select 'net_exceeds_gross', report_year, region_code, printf('%s 净 %.0f > 毛 %.0f', district_code, net_water,
                                                               gross_water_surface + gross_water_ground)
    from {{ ref('stg_raw__irrigation_returns') }}
    where net_water > gross_water_surface + gross_water_ground

    union all
    select 'yoy_change_beyond_bound', report_year, region_code,
           printf('较上年变化 %.1f%%', (total_m3 / prev_total_m3 - 1) * 100)
    from (select *, lag(total_m3) over (partition by region_code order by report_year) as prev_total_m3,
                 lag(report_year) over (partition by region_code order by report_year) as prev_year from use_)
    where prev_year = report_year - 1
      and abs(total_m3 / prev_total_m3 - 1) * 100 > {{ var('dq_yoy_max_change_pct') }}

    union all
    select 'tap_sales_mismatch', s.report_year, s.region_code,
           printf('售工业 %.0f m³，企业自来水 %.0f m³', s.sales_m3, t.tap_m3)
    from (select report_year, region_code, sum(sales_industry_m3) as sales_m3
          from {{ ref('int_public_supply_balance') }} group by all) as s
    join (select report_year, region_code, sum(tap_m3) as tap_m3
          from (select report_year, region_code, {{ to_m3('new_water_tap', 'volume_unit') }} as tap_m3
                from {{ ref('stg_raw__industrial_returns') }}
                {%- if var('industry_extrapolation') %}
                where is_above_scale
                union all
                select report_year, region_code, extrapolated_m3 * sample_tap_m3 / nullif(sample_water_m3, 0)
                from {{ ref('int_industry_extrapolation') }}
                {%- endif %})
          group by all) as t using (report_year, region_code)
    where abs(s.sales_m3 - t.tap_m3) > {{ var('dq_tap_sales_tolerance_pct') }} / 100 * greatest(s.sales_m3, t.tap_m3)

    {%- for check, flag in [('meter_resets', 'has_reset'), ('meter_rollovers', 'has_rollover'), ('meter_gaps', 'has_gap'), ('meter_spikes', 'has_spike')] %}
    union all
    select '{{ check }}', year(volume_date), region_code, printf('%s %s', station_code, volume_date)
    from {{ ref('fct_meter_daily_withdrawal') }} where {{ flag }}
    {%- endfor %}

    {#- station-days with a count of some meter event: (check, count column, threshold, unit in the detail) #}
    {%- for check, count, at_least, unit in [
        ('meter_duplicate_readings', 'n_duplicate_readings', 1, '条重复'),
        ('meter_negative_increments', 'n_negative_increments', 1, '次回退'),
        ('meter_stuck', 'n_stuck_intervals', 1, '个时段'),
        ('meter_outlier_readings', 'n_outlier_readings', 1, '个异常读数'),
        ('meter_day_in_several_files', 'n_files_for_day', 2, '个文件')] %}
    union all
    select '{{ check }}', year(volume_date), region_code,
           printf('%s %s: %d {{ unit }}', station_code, volume_date, {{ count }})
    from {{ ref('fct_meter_daily_withdrawal') }} where {{ count }} >= {{ at_least }}
    {%- endfor %}

    union all
    select 'station_without_permit', report_year, region_code, detail_zh
    from {{ ref('fct_compliance_findings') }} where finding_code = 'station_without_permit'

    union all
    select 'expired_permit_drawing', report_year, region_code, detail_zh
    from {{ ref('fct_compliance_findings') }} where finding_code = 'no_valid_permit'

    union all
    select 'quarantined_meter_rows', year(ws_parse_cst_timestamp(reading_ts)), null,
           printf('%s 第%d行: %s', _source_file, _source_row_number, array_to_string(_reasons, ','))
    from {{ source('raw', 'meter_readings__quarantine') }}

    union all
    select 'rejected_files', null, null, printf('%s: %s', source_file, message)
    from (select * from {{ source('raw', 'load_log') }}
          qualify row_number() over (partition by source_file order by logged_at desc) = 1)
    where status = 'rejected'
),

years as (
    select distinct report_year from use_
),

attributed as (
    -- a failure outside the report years (e.g. a reading dated 2099) is kept under year null
    select * replace (case when report_year in (select report_year from years) then report_year end as report_year)
    from failures
),

expected as (
    -- every check is reported for every report year, passing or not, plus once for year null
    select c.check_name, c.severity, c.scope, c.description_zh, c.description, y.report_year
    from {{ ref('dq_checks') }} as c
    cross join (select report_year from years union all select null) as y
    where c.scope = 'year' or y.report_year is null
)

select
    e.check_name,
    e.severity,
    e.report_year,
    e.description_zh,
    e.description,
    count(f.check_name) as n_failing,
    count(f.check_name) = 0 as is_passed,
    (list(struct_pack(region_code := f.region_code, detail := f.detail) order by f.region_code, f.detail)
        filter (where f.check_name is not null))[1:20] as failing_examples
from expected as e
left join attributed as f
    on f.check_name = e.check_name and f.report_year is not distinct from e.report_year
group by all
