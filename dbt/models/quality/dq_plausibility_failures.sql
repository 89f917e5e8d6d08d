-- Plausibility of every published indicator (fct_indicators), one row per failing cell:
--   indicator_out_of_range (blocking): outside the plausible range in seeds/indicator_catalog.csv;
--   indicator_vs_peers (warning): a region's value more than var dq_peer_factor times, or below
--   1/dq_peer_factor of, the median of the regions under the same parent that year (the region
--   included, at least 3 others), for the indicators the catalog marks compare_with_peers: those
--   neighbours should show alike (per-capita domestic use, 亩均, loss and reuse rates, η). Totals
--   grow with size, per-GDP intensities and shares with the economy's make-up, and declines are
--   signed changes: those are held to their range only. A flag is for a statistician to review.
with indicators as (
    select i.region_code, i.report_year, i.indicator_code, i.caliber, i.value, c.indicator_name_zh,
           case c.unit when '1' then '' when '%' then '%' else ' ' || c.unit end as unit,  -- as printed after a value
           c.decimals, c.plausible_min, c.plausible_max, c.compare_with_peers
    from {{ ref('fct_indicators') }} as i
    join {{ ref('indicator_catalog') }} as c using (indicator_code)
),

peers as (
    select i.*, r.region_name_zh,
           median(i.value) over by_peers as peer_median,
           count(*) over by_peers as n_units
    from indicators as i
    join {{ source('deployment', 'regions') }} as r using (region_code)
    where i.compare_with_peers and i.caliber = 'statistical' and r.parent_code is not null
    window by_peers as (partition by r.parent_code, i.indicator_code, i.report_year)
)

select 'indicator_out_of_range' as check_name, i.report_year, i.region_code, i.indicator_code, i.caliber,
       -- figures as text by engine.sql's macros (printf rounds differently on each engine)
       r.region_name_zh || ' ' || i.indicator_name_zh
           || case when i.caliber = 'assessment' then '（考核口径）' else '' end || '：'
           || {{ fixed_decimals('i.value', 'i.decimals + 1') }} || i.unit || '（合理范围 '
           || case when i.plausible_max is null then '≥' || {{ significant_digits('i.plausible_min', 6) }}
                   when i.plausible_min is null then '≤' || {{ significant_digits('i.plausible_max', 6) }}
                   else {{ significant_digits('i.plausible_min', 6) }} || '～' || {{ significant_digits('i.plausible_max', 6) }} end
           || '）' as detail
from indicators as i
join {{ source('deployment', 'regions') }} as r using (region_code)
where i.value < i.plausible_min or i.value > i.plausible_max

union all
select 'indicator_vs_peers', report_year, region_code, indicator_code, caliber,
       region_name_zh || ' ' || indicator_name_zh || '：' || {{ fixed_decimals('value', 'decimals') }} || unit
           || '，同级' || cast(n_units as string) || '个地区中位数 ' || {{ fixed_decimals('peer_median', 'decimals') }} || unit
           || '，为其'
           || case when value >= peer_median then {{ fixed_decimals('value / peer_median', 1) }}
                   when value > 0 then '1/' || {{ fixed_decimals('peer_median / value', 1) }} else '0' end
           || '倍（阈值{{ "%g" % var("dq_peer_factor") }}倍）'
from peers
where n_units >= 4 and peer_median > 0
  and (value > {{ var('dq_peer_factor') }} * peer_median or value * {{ var('dq_peer_factor') }} < peer_median)
