-- 规模以上工业用水重复利用率 = Σ reused / Σ (reused + new water), summed over firms first:
-- never a mean of firm rates (METHODS §5).
with firms as (
    select
        r.region_code,
        i.report_year,
        i.reused_water_m3 as reused_m3,
        i.new_water_surface_m3 + i.new_water_ground_m3 + i.new_water_tap_m3 + i.new_water_unconventional_m3 as new_water_m3
    from {{ ref('stg_raw__industrial_returns') }} as i
    join {{ ref('int_region_rollup') }} as r on i.region_code = r.member_region_code
    where i.is_above_scale
    {%- if var('reuse_rate_excludes_once_through_cooling') %}
        and not i.is_once_through_cooling
    {%- endif %}
)

select
    region_code,
    report_year,
    {{ exact_sum("reused_m3") }} as reused_m3,
    {{ exact_sum("new_water_m3") }} as new_water_m3,
    {{ exact_sum("reused_m3") }} / nullif({{ exact_sum("reused_m3") }} + {{ exact_sum("new_water_m3") }}, 0) * 100 as reuse_rate_pct,
    count(*) as n_firms
from firms
group by region_code, report_year
