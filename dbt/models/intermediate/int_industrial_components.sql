-- Industrial water per unit, sub-sector and source, in m³, 自来水 included (int_public_supply_components
-- attributes it to the surface and ground water public supply withdrew). Industry = enumerated
-- above-scale firms + extrapolation for the rest (int_industry_extrapolation), unless var
-- industry_extrapolation is false, when the surveyed firms are simply summed.
with industrial as (
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
)
{%- if var('industry_extrapolation') %},

extrapolated as (
    -- split by the sample's own source mix
    select
        report_year, region_code, 'extrapolated' as reporting_unit_id, '一般工业' as sub_sector_zh,
        extrapolated_m3 * sample_surface_m3 / nullif(sample_water_m3, 0) as "地表水",
        extrapolated_m3 * sample_ground_m3 / nullif(sample_water_m3, 0) as "地下水",
        extrapolated_m3 * sample_unconventional_m3 / nullif(sample_water_m3, 0) as "非常规水",
        extrapolated_m3 * sample_tap_m3 / nullif(sample_water_m3, 0) as "自来水"
    from {{ ref('int_industry_extrapolation') }}
)
{%- endif %}

select *, 'enumerated_report' as method, 'industrial_returns' as origin
from (unpivot industrial on "地表水", "地下水", "非常规水", "自来水" into name water_source_zh value volume_m3)
{%- if var('industry_extrapolation') %}
union all
select *, 'sample_extrapolated' as method, 'industrial_returns' as origin
from (unpivot extrapolated on "地表水", "地下水", "非常规水", "自来水" into name water_source_zh value volume_m3)
{%- endif %}
