-- Statistics-aware data-quality checks, one row per check × report year (× region where it
-- applies), so a failure blocks only the bulletin year it concerns. Severity and text come from
-- seeds/dq_checks.csv; `blocking` failures stop that year's bulletin (dagster_project/quality/gate.py).
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
),

{#- Magnitude checks (var dq_magnitude_factor): a figure more than that factor above or below its
    reference is a unit error until shown otherwise (万元 under a 亿元 header, m³ values labelled
    万m³). Both are long format, one row per (source, unit, figure, year). -#}
magnitude_figures as (
    -- what a bulletin is built from: each return's volume in m³ after its 计量单位, each region's
    -- yearbook figures; reference = the same unit's figure the year before
    select source_name, unit_id, any_value(label) as label, any_value(region_code) as region_code, figure,
           report_year, sum(value) as value
    from (
        select 'industrial_returns' as source_name, uscc as unit_id, unit_name as label, region_code,
               'new_water_m3' as figure, report_year,
               {{ to_m3('coalesce(new_water_surface, 0) + coalesce(new_water_ground, 0) + coalesce(new_water_tap, 0)'
                        ' + coalesce(new_water_unconventional, 0)', 'volume_unit') }} as value
        from {{ ref('stg_raw__industrial_returns') }}
        union all
        select 'supply_returns', uscc, unit_name, region_code, 'system_input_m3', report_year, system_input_m3
        from {{ ref('int_public_supply_balance') }}
        union all
        select 'irrigation_returns', district_code, district_name, region_code, 'gross_water_m3', report_year,
               {{ to_m3('coalesce(gross_water_surface, 0) + coalesce(gross_water_ground, 0)', 'volume_unit') }}
        from {{ ref('stg_raw__irrigation_returns') }}
        union all
        select 'county_summary_returns', region_code, '区县用水汇总表', region_code, 'volume_m3', report_year,
               {{ to_m3('volume', 'volume_unit') }}
        from {{ ref('stg_raw__county_summary_returns') }}
        union all
        select 'economic_statistics', e.region_code, r.region_name_zh, e.region_code, v.figure, e.report_year, v.value
        from {{ ref('int_region_economy') }} as e
        join {{ source('deployment', 'regions') }} as r using (region_code),
        lateral (values
            {%- for col in ['gdp_100m_yuan', 'industry_va_100m_yuan', 'population_avg_10k', 'population_urban_10k',
                            'population_rural_10k', 'irrigated_area_effective_10k_mu', 'irrigated_area_actual_10k_mu'] %}
            ('{{ col }}', e.{{ col }}){% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as v(figure, value)
    )
    group by source_name, unit_id, figure, report_year
),

magnitude_intensities as (
    -- ratios that are comparable between units of one kind (peer_group), whatever their size;
    -- reference = the median of the group that year (the unit included), if it has >= 3 other units
    select 'regions under ' || r.parent_code as peer_group, e.region_code as unit_id, r.region_name_zh as label,
           e.region_code, v.figure, e.report_year, v.value
    from {{ ref('int_region_economy') }} as e
    join {{ source('deployment', 'regions') }} as r using (region_code)
    left join use_ as u using (region_code, report_year),
    lateral (values
        ('gdp_per_capita_10k_yuan', e.gdp_100m_yuan / nullif(e.population_avg_10k, 0)),
        ('water_use_m3_per_10k_yuan_gdp', u.total_m3 / nullif(e.gdp_100m_yuan * 1e4, 0)),
        ('industry_va_share_of_gdp', e.industry_va_100m_yuan / nullif(e.gdp_100m_yuan, 0)),
        ('farmland_irrigation_m3_per_mu', u.farmland_irrigation_m3 / nullif(e.irrigated_area_actual_10k_mu * 1e4, 0))
    ) as v(figure, value)
    where r.parent_code is not null
    union all
    -- a return's volume per unit of its own size, against returns of its kind that year: a firm's
    -- new water per 万元 VA (same 行业大类, once-through cooling apart), a district's gross m³ per
    -- 亩, a supplier's m³ per km of DN75+ pipe (1 / CJJ 92's A, benchmark 1 / 0.0693 km per 万m³)
    select d.peer_group, f.unit_id, f.label, f.region_code, d.figure, f.report_year, f.value / nullif(d.size, 0)
    from magnitude_figures as f
    join (
        select 'industrial_returns' as source_name, uscc as unit_id, report_year,
               'industry ' || left(industry_code, 3) || case when is_once_through_cooling then ' cooling' else '' end
                   as peer_group, 'new_water_m3_per_10k_yuan_va' as figure, sum(value_added_10k_yuan) as size
        from {{ ref('stg_raw__industrial_returns') }} group by all
        union all
        select 'irrigation_returns', district_code, report_year, 'irrigation districts', 'gross_water_m3_per_mu',
               sum(irrigated_area_10k_mu) * 1e4
        from {{ ref('stg_raw__irrigation_returns') }} group by all
        union all
        select 'supply_returns', uscc, report_year, 'public suppliers', 'system_input_m3_per_pipe_km',
               sum(pipe_length_dn75_km)
        from {{ ref('int_public_supply_balance') }} group by all
    ) as d using (source_name, unit_id, report_year)
),

magnitude as (
    select 'magnitude_vs_previous_year' as check_name, f.report_year, f.region_code, f.label, f.unit_id, f.figure,
           f.value, p.value as ref_value, printf('%d年', p.report_year) as ref_label
    from magnitude_figures as f
    join magnitude_figures as p
        on p.source_name = f.source_name and p.unit_id = f.unit_id and p.figure = f.figure
       and p.report_year = f.report_year - 1
    union all
    select 'magnitude_vs_peers', report_year, region_code, label, unit_id, figure, value, ref_value,
           printf('同类%d个单位中位数', n_units)
    from (select *, median(value) over peers as ref_value, count(*) over peers as n_units
          from magnitude_intensities where value > 0
          window peers as (partition by peer_group, figure, report_year))
    where n_units >= 4
),

magnitude_accepted as (
    -- figures beyond the factor that are real (a new plant, a merged district): var dq_accepted_items
    {%- set accepted = var('dq_accepted_items') %}
    select check_name, cast(year_text as integer) as report_year, unit_id, figure, accepted_by, accepted_reason
    from (values
        {%- for a in accepted %}
        ({% for k in ['check', 'year', 'unit', 'figure', 'accepted_by', 'reason'] -%}
         '{{ a[k] | string | replace("'", "''") }}'{{ ', ' if not loop.last }}
         {%- endfor %}){{ ',' if not loop.last }}
        {%- else %}
        (null, null, null, null, null, null)
        {%- endfor %}
    ) as a(check_name, year_text, unit_id, figure, accepted_by, accepted_reason)
    where check_name is not null
),

failures as (
    select 'sectors_sum_to_total' as check_name, report_year, region_code,
           printf('合计 %.0f m³，分行业之和 %.0f m³', total_m3,
                  agriculture_m3 + industry_m3 + domestic_m3 + ecological_m3 + unspecified_sector_m3) as detail
    from use_
    where abs(total_m3 - (coalesce(agriculture_m3, 0) + coalesce(industry_m3, 0) + coalesce(domestic_m3, 0)
                          + coalesce(ecological_m3, 0) + unspecified_sector_m3)) > 1

    union all
    select 'sources_sum_to_total', report_year, region_code,
           printf('用水 %.0f m³，供水 %.0f m³', total_m3,
                  surface_m3 + ground_m3 + unconventional_m3 + unspecified_source_m3)
    from use_
    where abs(total_m3 - (surface_m3 + ground_m3 + unconventional_m3 + unspecified_source_m3)) > 1

    union all
    -- a summary with both sector totals and source totals: they must describe the same total
    select 'summary_margins_agree', report_year, region_code,
           printf('分行业合计 %.0f m³，分水源合计 %.0f m³', sector_m3, source_m3)
    from (
        select report_year, region_code,
               sum(case when water_source_zh is null then {{ to_m3('volume', 'volume_unit') }} end) as sector_m3,
               sum(case when sub_sector_zh is null then {{ to_m3('volume', 'volume_unit') }} end) as source_m3
        from {{ ref('stg_raw__county_summary_returns') }}
        group by report_year, region_code
    ) as m
    where abs(sector_m3 - source_m3) > greatest(1, 0.001 * greatest(sector_m3, source_m3))

    union all
    select 'indicator_out_of_range', report_year, region_code, printf('%s = %.4f', indicator_code, value)
    from {{ ref('fct_indicators') }}
    where (indicator_code = 'irrigation_efficiency_coefficient' and value not between 0.3 and 0.95)
       or (indicator_code in ('network_leakage_rate', 'comprehensive_loss_rate') and value not between 0 and 60)
       or (indicator_code = 'industrial_reuse_rate' and value not between 0 and 99.9)

    union all
    select 'row_count_below_expected', y.report_year, null,
           printf('%s: %d 行，预期不少于 %d 行', e.source_name, coalesce(c.n_rows, 0), e.min_rows_per_year)
    from {{ source('deployment', 'minimum_returns') }} as e
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
    -- an item the office has examined and accepted (var dq_accepted_items) is reported, not blocking
    select case when accepted_by is null then check_name else 'magnitude_accepted' end, report_year, region_code,
           printf('%s(%s) %s: %s，%s %s，为其%s倍', label, unit_id, figure,
                  {%- for x in ['value', 'ref_value'] %}
                  printf(case when abs({{ x }}) >= 1000 then '%,.0f' when abs({{ x }}) >= 1 then '%.2f' else '%.3g' end, {{ x }}),
                  {%- if loop.first %} ref_label,{% endif %}
                  {%- endfor %}
                  case when value >= ref_value then printf('%.1f', value / ref_value)
                       else printf('1/%.1f', ref_value / value) end)
               || coalesce('；已由' || accepted_by || '确认：' || accepted_reason, '')
    from magnitude
    left join magnitude_accepted using (check_name, report_year, unit_id, figure)
    where value > 0 and ref_value > 0
      and (value > {{ var('dq_magnitude_factor') }} * ref_value or ref_value > {{ var('dq_magnitude_factor') }} * value)

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
    -- every check is reported for every report year, passing or not, plus once for year null;
    -- {dq_magnitude_factor} in the wording is the rule's value
    select c.check_name, c.severity, c.scope,
           {%- for col in ['description_zh', 'description'] %}
           replace(c.{{ col }}, '{dq_magnitude_factor}', '{{ var("dq_magnitude_factor") }}') as {{ col }},
           {%- endfor %}
           y.report_year
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
