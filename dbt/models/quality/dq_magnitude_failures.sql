-- Magnitude checks (var dq_magnitude_factor): a figure more than that factor above or below its
-- reference is a unit error until shown otherwise (万元 under a 亿元 header, m³ values labelled
-- 万m³). One row per failing (unit, figure, year); an item the office has examined and accepted
-- (var dq_accepted_items) is reported as magnitude_accepted, not blocking.
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
),

magnitude_figures as (
    -- what a bulletin is built from: each return's volume in m³ after its 计量单位, each region's
    -- yearbook figures; reference = the same unit's figure the year before
    select source_name, unit_id, any_value(label) as label, any_value(region_code) as region_code, figure,
           report_year, {{ exact_sum("value") }} as value
    from (
        select 'industrial_returns' as source_name, uscc as unit_id, unit_name as label, region_code,
               'new_water_m3' as figure, report_year,
               coalesce(new_water_surface_m3, 0) + coalesce(new_water_ground_m3, 0) + coalesce(new_water_tap_m3, 0)
                   + coalesce(new_water_unconventional_m3, 0) as value
        from {{ ref('stg_raw__industrial_returns') }}
        union all
        select 'supply_returns', uscc, unit_name, region_code, 'system_input_m3', report_year, system_input_m3
        from {{ ref('int_public_supply_balance') }}
        union all
        select 'irrigation_returns', district_code, district_name, region_code, 'gross_water_m3', report_year,
               coalesce(gross_water_surface_m3, 0) + coalesce(gross_water_ground_m3, 0)
        from {{ ref('stg_raw__irrigation_returns') }}
        union all
        select 'county_summary_returns', region_code, '区县用水汇总表', region_code, 'volume_m3', report_year,
               volume_m3
        from {{ ref('stg_raw__county_summary_returns') }}
        union all
        -- one row per figure: the figure names crossed with the row, its value picked by name (Spark
        -- cannot read the row's columns in a lateral VALUES list)
        {%- set economy_figures = ['gdp_100m_yuan', 'industry_va_100m_yuan', 'population_avg_10k', 'population_urban_10k',
                                   'population_rural_10k', 'irrigated_area_effective_10k_mu', 'irrigated_area_actual_10k_mu'] %}
        select 'economic_statistics', e.region_code, r.region_name_zh, e.region_code, v.figure, e.report_year,
               case v.figure{% for col in economy_figures %} when '{{ col }}' then e.{{ col }}{% endfor %} end
        from {{ ref('int_region_economy') }} as e
        join {{ source('deployment', 'regions') }} as r using (region_code)
        cross join (values {% for col in economy_figures %}('{{ col }}'){{ ', ' if not loop.last }}{% endfor %}) as v(figure)
    )
    group by source_name, unit_id, figure, report_year
),

magnitude_intensities as (
    -- ratios that are comparable between units of one kind (peer_group), whatever their size;
    -- reference = the median of the group that year (the unit included), if it has >= 3 other units
    {%- set intensities = {
        'gdp_per_capita_10k_yuan': 'e.gdp_100m_yuan / nullif(e.population_avg_10k, 0)',
        'water_use_m3_per_10k_yuan_gdp': 'u.total_m3 / nullif(e.gdp_100m_yuan * 1e4, 0)',
        'industry_va_share_of_gdp': 'e.industry_va_100m_yuan / nullif(e.gdp_100m_yuan, 0)',
        'farmland_irrigation_m3_per_mu': 'u.farmland_irrigation_m3 / nullif(e.irrigated_area_actual_10k_mu * 1e4, 0)'} %}
    select 'regions under ' || r.parent_code as peer_group, e.region_code as unit_id, r.region_name_zh as label,
           e.region_code, v.figure, e.report_year,
           case v.figure{% for figure, value in intensities.items() %} when '{{ figure }}' then {{ value }}{% endfor %} end
               as value
    from {{ ref('int_region_economy') }} as e
    join {{ source('deployment', 'regions') }} as r using (region_code)
    left join use_ as u using (region_code, report_year)
    cross join (values {% for figure in intensities %}('{{ figure }}'){{ ', ' if not loop.last }}{% endfor %}) as v(figure)
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
                   as peer_group, 'new_water_m3_per_10k_yuan_va' as figure, {{ exact_sum("value_added_10k_yuan") }} as size
        from {{ ref('stg_raw__industrial_returns') }} group by all
        union all
        select 'irrigation_returns', district_code, report_year, 'irrigation districts', 'gross_water_m3_per_mu',
               {{ exact_sum("irrigated_area_10k_mu") }} * 1e4
        from {{ ref('stg_raw__irrigation_returns') }} group by all
        union all
        select 'supply_returns', uscc, report_year, 'public suppliers', 'system_input_m3_per_pipe_km',
               {{ exact_sum("pipe_length_dn75_km") }}
        from {{ ref('int_public_supply_balance') }} group by all
    ) as d using (source_name, unit_id, report_year)
),

magnitude as (
    select 'magnitude_vs_previous_year' as check_name, f.report_year, f.region_code, f.label, f.unit_id, f.figure,
           f.value, p.value as ref_value, cast(p.report_year as string) || '年' as ref_label
    from magnitude_figures as f
    join magnitude_figures as p
        on p.source_name = f.source_name and p.unit_id = f.unit_id and p.figure = f.figure
       and p.report_year = f.report_year - 1
    union all
    select 'magnitude_vs_peers', report_year, region_code, label, unit_id, figure, value, ref_value,
           '同类' || cast(n_units as string) || '个单位中位数'
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
         '{{ escape_single_quotes(a[k] | string) }}'{{ ', ' if not loop.last }}
         {%- endfor %}){{ ',' if not loop.last }}
        {%- else %}
        (null, null, null, null, null, null)
        {%- endfor %}
    ) as a(check_name, year_text, unit_id, figure, accepted_by, accepted_reason)
    where check_name is not null
)

select case when accepted_by is null then check_name else 'magnitude_accepted' end as check_name, report_year,
       region_code,
       -- figures as text by engine.sql's macros (printf rounds differently on each engine)
       {%- set figure_text = {} %}
       {%- for x in ['value', 'ref_value'] %}
       {%- do figure_text.update({x: 'case when abs(' ~ x ~ ') >= 1000 then ' ~ grouped_integer(x) ~ ' when abs(' ~ x
                                     ~ ') >= 1 then ' ~ fixed_decimals(x, 2) ~ ' else ' ~ significant_digits(x, 3) ~ ' end'}) %}
       {%- endfor %}
       label || '(' || unit_id || ') ' || figure || ': ' || {{ figure_text['value'] }} || '，' || ref_label || ' '
           || {{ figure_text['ref_value'] }} || '，为其'
           || case when value >= ref_value then {{ fixed_decimals('value / ref_value', 1) }}
                   else '1/' || {{ fixed_decimals('ref_value / value', 1) }} end || '倍'
           || coalesce('；已由' || accepted_by || '确认：' || accepted_reason, '') as detail
from magnitude
left join magnitude_accepted using (check_name, report_year, unit_id, figure)
where value > 0 and ref_value > 0
  and (value > {{ var('dq_magnitude_factor') }} * ref_value or ref_value > {{ var('dq_magnitude_factor') }} * value)
