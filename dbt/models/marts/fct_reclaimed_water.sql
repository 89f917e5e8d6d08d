-- 再生水利用率 per region and year from the wastewater treatment plants' returns: reclaimed water
-- used / wastewater treated × 100, summed over the plants first (a ratio of sums, never a mean of
-- plant rates), with the volumes by use behind it.
select
    r.region_code,
    w.report_year,
    count(*) as n_plants,
    {{ exact_sum("w.wastewater_treated_m3") }} as wastewater_treated_m3,
    {{ exact_sum("w.reclaimed_produced_m3") }} as reclaimed_produced_m3,
    {{ exact_sum("w.reclaimed_used_industry_m3") }} as reclaimed_used_industry_m3,
    {{ exact_sum("w.reclaimed_used_municipal_m3") }} as reclaimed_used_municipal_m3,
    {{ exact_sum("w.reclaimed_used_ecological_m3") }} as reclaimed_used_ecological_m3,
    {{ exact_sum("w.reclaimed_used_other_m3") }} as reclaimed_used_other_m3,
    {{ exact_sum("w.reclaimed_used_m3") }} as reclaimed_used_m3,
    {{ exact_sum("w.reclaimed_used_m3") }} / nullif({{ exact_sum("w.wastewater_treated_m3") }}, 0) * 100
        as reclaimed_use_rate_pct
from {{ ref('stg_raw__wastewater_plant_returns') }} as w
join {{ ref('int_region_rollup') }} as r on w.region_code = r.member_region_code
group by r.region_code, w.report_year
