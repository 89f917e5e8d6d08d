-- Water-resources carrying capacity (水资源承载能力) per region and year, national technical outline:
-- total use W against its control W0 (deployment total_use_controls, in the caliber it names) and
-- groundwater against its controls (fct_groundwater_control: the worst of the unit's aquifers, an
-- overdraft zone or a level below control counting as 超载); the unit's status is the worse of the two.
-- Evaluated where a control or an overdraft zone exists, in the years with use figures.
with total_use as (
    select c.region_code, u.report_year, u.total_m3, c.control_m3, c.caliber
    from {{ source('deployment', 'total_use_controls') }} as c
    join {{ ref('int_water_use_by_caliber') }} as u
        on u.region_code = c.region_code and u.caliber = c.caliber
       and u.report_year between c.valid_from_year and c.valid_to_year
),

groundwater as (
    select
        report_year,
        region_code,
        {{ exact_sum('abstraction_m3') }} as groundwater_m3,
        {{ exact_sum('volume_control_m3') }} as groundwater_control_m3,
        count(*) filter (where is_over_volume_control) as n_aquifers_over_volume_control,
        count(*) filter (where is_below_level_control) as n_aquifers_below_level_control,
        count(*) filter (where n_overdraft_zones > 0) as n_aquifers_in_overdraft_zones,
        max({{ status_rank('status_zh') }}) as groundwater_rank
    from {{ ref('fct_groundwater_control') }}
    group by all
),

joined as (
    select
        coalesce(t.report_year, g.report_year) as report_year,
        coalesce(t.region_code, g.region_code) as region_code,
        t.total_m3 as total_use_m3,
        t.control_m3 as total_use_control_m3,
        t.caliber as total_use_caliber,
        t.total_m3 / nullif(t.control_m3, 0) as total_use_to_control_ratio,
        {{ load_status('t.total_m3', 't.control_m3') }} as total_use_status_zh,
        g.groundwater_m3,
        g.groundwater_control_m3,
        coalesce(g.n_aquifers_over_volume_control, 0) as n_aquifers_over_volume_control,
        coalesce(g.n_aquifers_below_level_control, 0) as n_aquifers_below_level_control,
        coalesce(g.n_aquifers_in_overdraft_zones, 0) as n_aquifers_in_overdraft_zones,
        {{ status_of_rank('g.groundwater_rank') }} as groundwater_status_zh
    from total_use as t
    full join groundwater as g using (region_code, report_year)
)

select
    *,
    {{ status_of_rank('greatest(' ~ status_rank('total_use_status_zh') ~ ', ' ~ status_rank('groundwater_status_zh') ~ ')') }}
        as status_zh
from joined
where total_use_status_zh is not null or groundwater_status_zh is not null
