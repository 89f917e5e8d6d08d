-- Public-supply water per supplier and sub-sector, and the tap water firms report, attributed to
-- the surface and ground water the region's public supply withdrew, in m³. Water public supply
-- sells to industry is counted once, on the industrial side (the firms' returns and the
-- extrapolation, 新水 incl. 自来水), never from the supplier's sales.
with supply as (
    select * from {{ ref('int_public_supply_balance') }}
),

supply_mix as (
    select
        region_code,
        report_year,
        coalesce({{ exact_sum("own_production_surface_m3") }}
            / nullif({{ exact_sum("own_production_surface_m3 + own_production_ground_m3") }}, 0), 1.0) as surface_share
    from supply
    group by region_code, report_year
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
    from (
        -- one row per supplier and sub-sector (a CASE, not a lateral VALUES list: Spark's inline
        -- tables cannot read the outer row)
        select
            *,
            case sub_sector_zh
                when '城镇居民生活' then sales_residential_m3 + unsold_m3 * sales_residential_m3 / nullif(remainder_base_m3, 0)
                when '公共用水' then sales_public_m3 + unsold_m3 * sales_public_m3 / nullif(remainder_base_m3, 0)
                when '城乡环境' then sales_ecological_m3
                    {%- if not var('public_supply_remainder_to_domestic') %}
                    + unsold_m3 * sales_ecological_m3 / nullif(remainder_base_m3, 0){% endif %}
            end as volume_m3
        from supply_remainder
        cross join (values ('城镇居民生活'), ('公共用水'), ('城乡环境')) as parts(sub_sector_zh)
    ) as parts
)

-- 自来水 → the surface/ground water the region's public supply actually withdrew
select
    u.report_year, u.region_code, u.reporting_unit_id, u.sub_sector_zh, s.water_source_zh,
    u.volume_m3 * case s.water_source_zh when '地表水' then coalesce(m.surface_share, 1.0)
                                            else 1 - coalesce(m.surface_share, 1.0) end as volume_m3,
    u.method, u.origin, 'public_supply' as supply_channel
from (select * from {{ ref('int_industrial_components') }} where water_source_zh = '自来水'
      union all select * from supply_long) as u
left join supply_mix as m using (region_code, report_year)
cross join (values ('地表水'), ('地下水')) as s(water_source_zh)
