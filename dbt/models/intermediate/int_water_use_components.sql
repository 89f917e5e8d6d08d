-- Every volume that makes up a region's water use, one row per reporting unit × sub-sector ×
-- water source, in m³, with the method behind it and the channel it came by: industry
-- (int_industrial_components), public supply (int_public_supply_components), irrigation districts,
-- county summaries (int_county_summary_components).
with irrigation as (
    select
        report_year, region_code, district_code as reporting_unit_id, '耕地灌溉' as sub_sector_zh,
        water_source_zh,
        -- a CASE per source, not a lateral VALUES list: Spark's inline tables cannot read the outer row
        case water_source_zh when '地表水' then gross_water_surface_m3
                             when '地下水' then gross_water_ground_m3 end as volume_m3,
        'enumerated_report' as method, 'irrigation_returns' as origin
    from {{ ref('stg_raw__irrigation_returns') }}
    cross join (values ('地表水'), ('地下水')) as parts(water_source_zh)
),

components as (
    -- supply_channel: withdrawn by the user itself ('direct') or delivered by public supply
    select *, 'direct' as supply_channel from {{ ref('int_industrial_components') }} where water_source_zh <> '自来水'
    union all select * from {{ ref('int_public_supply_components') }}
    union all select *, 'direct' from irrigation
    union all
    select report_year, region_code, 'county_summary', sub_sector_zh, water_source_zh, volume_m3, method,
           'county_summary_returns', 'direct'
    from {{ ref('int_county_summary_components') }}
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
