-- Every volume that makes up a region's water use, one row per reporting unit × sub-sector ×
-- water source, in m³, with the method behind it. Public-supply water is attributed to the
-- region's public-supply source mix; water public supply sells to industry is counted once, on
-- the industrial side (returns and extrapolation, 新水 incl. 自来水), never from the supplier's.
-- Industry = enumerated above-scale firms + extrapolation for the rest (int_industry_extrapolation),
-- unless var industry_extrapolation is false, when the surveyed firms are simply summed.
with supply as (
    select * from {{ ref('int_public_supply_balance') }}
),

supply_mix as (
    select
        region_code,
        report_year,
        coalesce(sum(own_production_surface_m3)
            / nullif(sum(own_production_surface_m3 + own_production_ground_m3), 0), 1.0) as surface_share
    from supply
    group by region_code, report_year
),

industrial as (
    select
        report_year, region_code, uscc as reporting_unit_id,
        case when is_once_through_cooling then '火(核)电直流冷却' else '一般工业' end as sub_sector_zh,
        new_water_surface_m3 as "地表水",
        new_water_ground_m3 as "地下水",
        new_water_unconventional_m3 as "非常规水",
        new_water_tap_m3 as "自来水"
    from {{ ref('stg_raw__industrial_returns') }}
    {%- if var('industry_extrapolation') %}
    where is_above_scale
    {%- endif %}
),

{% if var('industry_extrapolation') %}
extrapolated as (
    -- split by the sample's own source mix
    select
        report_year, region_code, 'extrapolated' as reporting_unit_id, '一般工业' as sub_sector_zh,
        extrapolated_m3 * sample_surface_m3 / nullif(sample_water_m3, 0) as "地表水",
        extrapolated_m3 * sample_ground_m3 / nullif(sample_water_m3, 0) as "地下水",
        extrapolated_m3 * sample_unconventional_m3 / nullif(sample_water_m3, 0) as "非常规水",
        extrapolated_m3 * sample_tap_m3 / nullif(sample_water_m3, 0) as "自来水"
    from {{ ref('int_industry_extrapolation') }}
),
{% endif %}

industrial_long as (
    select *, 'enumerated_report' as method, 'industrial_returns' as origin
    from (unpivot industrial on "地表水", "地下水", "非常规水", "自来水" into name water_source_zh value volume_m3)
    {%- if var('industry_extrapolation') %}
    union all
    select *, 'sample_extrapolated' as method, 'industrial_returns' as origin
    from (unpivot extrapolated on "地表水", "地下水", "非常规水", "自来水" into name water_source_zh value volume_m3)
    {%- endif %}
),

supply_remainder as (
    select
        *,
        system_input_m3 - sales_residential_m3 - sales_public_m3 - sales_industry_m3 - sales_ecological_m3
            as unsold_m3,
        sales_residential_m3 + sales_public_m3
            {%- if not var('public_supply_remainder_to_domestic') %} + sales_ecological_m3{% endif %}
            as remainder_base_m3
    from supply
),

supply_long as (
    select report_year, region_code, uscc as reporting_unit_id, sub_sector_zh, '自来水' as water_source_zh,
           volume_m3, 'enumerated_report' as method, 'supply_returns' as origin
    from supply_remainder,
    lateral (values
        ('城镇居民生活', sales_residential_m3 + unsold_m3 * sales_residential_m3 / nullif(remainder_base_m3, 0)),
        ('公共用水', sales_public_m3 + unsold_m3 * sales_public_m3 / nullif(remainder_base_m3, 0)),
        ('城乡环境', sales_ecological_m3
            {%- if not var('public_supply_remainder_to_domestic') %}
            + unsold_m3 * sales_ecological_m3 / nullif(remainder_base_m3, 0){% endif %})
    ) as parts(sub_sector_zh, volume_m3)
),

public_supply_attributed as (
    -- 自来水 → the surface/ground water the region's public supply actually withdrew
    select
        u.report_year, u.region_code, u.reporting_unit_id, u.sub_sector_zh, s.water_source_zh,
        u.volume_m3 * case s.water_source_zh when '地表水' then coalesce(m.surface_share, 1.0)
                                                else 1 - coalesce(m.surface_share, 1.0) end as volume_m3,
        u.method, u.origin, 'public_supply' as supply_channel
    from (select * from industrial_long where water_source_zh = '自来水' union all select * from supply_long) as u
    left join supply_mix as m using (region_code, report_year)
    cross join (values ('地表水'), ('地下水')) as s(water_source_zh)
),

irrigation as (
    select
        report_year, region_code, district_code as reporting_unit_id, '耕地灌溉' as sub_sector_zh,
        water_source_zh, volume_m3, 'enumerated_report' as method, 'irrigation_returns' as origin
    from {{ ref('stg_raw__irrigation_returns') }},
    lateral (values
        ('地表水', gross_water_surface_m3),
        ('地下水', gross_water_ground_m3)
    ) as parts(water_source_zh, volume_m3)
),

summary_rows as (
    select
        report_year, region_code, sub_sector_zh, water_source_zh,
        volume_m3,
        case method_zh
            when '典型调查推算' then 'sample_extrapolated'
            when '定额推算' then 'quota_estimated'
            when '工程计量' then 'metered'
            else 'reported'
        end as method
    from {{ ref('stg_raw__county_summary_returns') }}
),

summary_margins as (
    -- a summary may give sector totals (no source), source totals (no sector), or both
    select
        region_code,
        report_year,
        sum(case when water_source_zh is null then volume_m3 end) as sector_margin_m3,
        sum(case when sub_sector_zh is null then volume_m3 end) as source_margin_m3
    from summary_rows
    group by region_code, report_year
),

county_summary as (
    -- sector × source rows as they are
    select report_year, region_code, sub_sector_zh, water_source_zh, volume_m3, method
    from summary_rows
    where sub_sector_zh is not null and water_source_zh is not null
    union all
    -- a sector total: split over the source totals when they are given (each margin kept exactly),
    -- else its source is not stated
    select s.report_year, s.region_code, s.sub_sector_zh, coalesce(k.water_source_zh, '未分水源'),
           s.volume_m3 * coalesce(k.volume_m3 / nullif(m.source_margin_m3, 0), 1), s.method
    from summary_rows as s
    join summary_margins as m using (region_code, report_year)
    left join summary_rows as k
        on k.region_code = s.region_code and k.report_year = s.report_year
       and k.sub_sector_zh is null and k.water_source_zh is not null
    where s.sub_sector_zh is not null and s.water_source_zh is null
    union all
    -- a source total with no sector totals beside it: its sector is not stated
    select k.report_year, k.region_code, '未分行业', k.water_source_zh, k.volume_m3, k.method
    from summary_rows as k
    join summary_margins as m using (region_code, report_year)
    where k.sub_sector_zh is null and k.water_source_zh is not null and m.sector_margin_m3 is null
),

components as (
    -- supply_channel: withdrawn by the user itself ('direct') or delivered by public supply
    select *, 'direct' as supply_channel from industrial_long where water_source_zh <> '自来水'
    union all select * from public_supply_attributed
    union all select *, 'direct' from irrigation
    union all
    select report_year, region_code, 'county_summary', sub_sector_zh, water_source_zh, volume_m3, method,
           'county_summary_returns', 'direct'
    from county_summary
)

select
    c.region_code,
    c.report_year,
    sm.sector_code,
    sm.sub_sector_code,
    src.source_type,
    src.unconventional_type_zh,
    c.method,
    c.origin,
    c.supply_channel,
    c.reporting_unit_id,
    c.volume_m3
from components as c
left join {{ ref('sector_map') }} as sm on c.sub_sector_zh = sm.sub_sector_zh
left join {{ ref('water_source_map') }} as src on c.water_source_zh = src.water_source_zh
where c.volume_m3 is not null and c.volume_m3 <> 0
