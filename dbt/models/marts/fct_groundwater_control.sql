-- Groundwater against its controls per region, aquifer and year (the red lines beyond total use):
-- abstraction against the volume control, the wells' depth to water against the level control
-- (each well's annual mean or last observation of the year, rule groundwater_level_basis, then the
-- mean over the unit's wells in that aquifer), and the overdraft zones (超采区) designated there.
-- An aquifer's status: 超载 if over its volume control, below its level control or in an overdraft
-- zone; 临界超载 if its abstraction is in the critical band of the volume control; else 不超载.
with years as (
    select report_year from {{ ref('stg_raw__groundwater_abstraction') }}
    union
    select cast(year(observed_on) as integer) from {{ ref('stg_raw__groundwater_levels') }}
),

abstraction as (
    select report_year, region_code, aquifer_code, {{ exact_sum('abstraction_m3') }} as abstraction_m3
    from {{ ref('stg_raw__groundwater_abstraction') }}
    group by all
),

per_well as (
    select
        cast(year(observed_on) as integer) as report_year,
        region_code,
        aquifer_code,
        well_code,
        {% if var('groundwater_level_basis') == 'year_end' -%}
        max_by(depth_to_water_m, observed_on) as depth_to_water_m
        {%- else -%}
        {{ exact_sum('depth_to_water_m') }} / count(depth_to_water_m) as depth_to_water_m
        {%- endif %}
    from {{ ref('stg_raw__groundwater_levels') }}
    group by all
),

levels as (
    select report_year, region_code, aquifer_code, count(*) as n_wells,
           {{ exact_sum('depth_to_water_m') }} / count(depth_to_water_m) as depth_to_water_m
    from per_well
    group by all
),

controls as (
    select y.report_year, c.region_code, c.aquifer_code, c.volume_control_m3, c.level_control_depth_m
    from {{ source('deployment', 'groundwater_controls') }} as c
    join years as y on y.report_year between c.valid_from_year and c.valid_to_year
),

zones as (
    select y.report_year, z.region_code, z.aquifer_code, count(*) as n_overdraft_zones,
           {{ string_agg_sorted("z.zone_name_zh", "'、'", "z.zone_code") }} as overdraft_zone_names_zh
    from {{ source('deployment', 'overdraft_zones') }} as z
    join years as y on y.report_year between coalesce(z.valid_from_year, y.report_year)
                                         and coalesce(z.valid_to_year, y.report_year)
    group by all
),

keys as (
    select report_year, region_code, aquifer_code from abstraction
    union select report_year, region_code, aquifer_code from levels
    union select report_year, region_code, aquifer_code from controls
    union select report_year, region_code, aquifer_code from zones
),

joined as (
    select
        k.report_year,
        k.region_code,
        k.aquifer_code,
        a.abstraction_m3,
        c.volume_control_m3,
        a.abstraction_m3 / nullif(c.volume_control_m3, 0) as abstraction_to_control_ratio,
        coalesce(l.n_wells, 0) as n_wells,
        l.depth_to_water_m,
        c.level_control_depth_m,
        coalesce(z.n_overdraft_zones, 0) as n_overdraft_zones,
        z.overdraft_zone_names_zh,
        {{ load_status('a.abstraction_m3', 'c.volume_control_m3') }} as volume_status_zh
    from keys as k
    left join abstraction as a using (report_year, region_code, aquifer_code)
    left join levels as l using (report_year, region_code, aquifer_code)
    left join controls as c using (report_year, region_code, aquifer_code)
    left join zones as z using (report_year, region_code, aquifer_code)
)

select
    j.report_year,
    j.region_code,
    j.aquifer_code,
    q.aquifer_name_zh,
    j.abstraction_m3,
    j.volume_control_m3,
    j.abstraction_to_control_ratio,
    coalesce(j.abstraction_m3 > j.volume_control_m3, false) as is_over_volume_control,
    j.n_wells,
    '{{ var("groundwater_level_basis") }}' as level_basis,
    j.depth_to_water_m,
    j.level_control_depth_m,
    coalesce(j.depth_to_water_m > j.level_control_depth_m, false) as is_below_level_control,
    j.n_overdraft_zones,
    j.overdraft_zone_names_zh,
    coalesce(j.abstraction_m3 > j.volume_control_m3, false)
        or coalesce(j.depth_to_water_m > j.level_control_depth_m, false) as is_flagged,
    j.volume_status_zh,
    case
        when coalesce(j.abstraction_m3 > j.volume_control_m3, false)
          or coalesce(j.depth_to_water_m > j.level_control_depth_m, false)
          or j.n_overdraft_zones > 0 then '超载'
        when j.volume_status_zh is not null then j.volume_status_zh
        when j.depth_to_water_m is not null and j.level_control_depth_m is not null then '不超载'
    end as status_zh
from joined as j
left join {{ source('deployment', 'aquifers') }} as q using (aquifer_code)
