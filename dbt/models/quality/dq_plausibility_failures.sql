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
       printf('%s %s%s：%s%s（合理范围 %s）', r.region_name_zh, i.indicator_name_zh,
              case when i.caliber = 'assessment' then '（考核口径）' else '' end,
              format('{:.{}f}', i.value, i.decimals + 1), i.unit,
              case when i.plausible_max is null then printf('≥%g', i.plausible_min)
                   when i.plausible_min is null then printf('≤%g', i.plausible_max)
                   else printf('%g～%g', i.plausible_min, i.plausible_max) end) as detail
from indicators as i
join {{ source('deployment', 'regions') }} as r using (region_code)
where i.value < i.plausible_min or i.value > i.plausible_max

union all
select 'indicator_vs_peers', report_year, region_code, indicator_code, caliber,
       printf('%s %s：%s%s，同级%d个地区中位数 %s%s，为其%s倍（阈值%s倍）', region_name_zh, indicator_name_zh,
              format('{:.{}f}', value, decimals), unit, n_units, format('{:.{}f}', peer_median, decimals), unit,
              case when value >= peer_median then printf('%.1f', value / peer_median)
                   when value > 0 then printf('1/%.1f', peer_median / value) else '0' end,
              printf('%g', {{ var('dq_peer_factor') }}))
from peers
where n_units >= 4 and peer_median > 0
  and (value > {{ var('dq_peer_factor') }} * peer_median or value * {{ var('dq_peer_factor') }} < peer_median)
