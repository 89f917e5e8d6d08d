-- Unconventional water use (非常规水源) by type per region and year, with its share of the total.
with by_type as (
    select r.region_code, f.report_year, f.unconventional_type_zh, {{ exact_sum("f.volume_m3") }} as volume_m3
    from {{ ref('fct_water_use') }} as f
    join {{ ref('int_region_rollup') }} as r on f.region_code = r.member_region_code
    where f.source_type = 'unconventional'
    group by all
)

select
    t.region_code,
    t.report_year,
    t.unconventional_type_zh,
    t.volume_m3,
    t.volume_m3 / nullif(u.total_m3, 0) * 100 as share_of_total_pct
from by_type as t
join {{ ref('mart_water_use_by_region') }} as u using (region_code, report_year)
