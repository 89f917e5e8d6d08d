-- Ecological-flow compliance per control section and year (生态流量保障): days with a reported
-- flow, days below the minimum ecological flow, its share and the 保证率 (days at or above the
-- minimum / days with data), the longest run of consecutive days below, the days within the
-- section's warning margin above it, and the status the deployment's warning levels give
-- (deployment.ecological_flow_warning_levels: the level of highest sort_order any of whose
-- thresholds is met; the level without thresholds otherwise).
with runs as (
    -- consecutive days below the minimum share one island key
    select section_code, report_year, flow_date - cast(row_number() over (
               partition by section_code, report_year order by flow_date) as integer) as island
    from {{ ref('int_ecological_flow_days') }}
    where is_below_minimum
),

longest as (
    select section_code, report_year, max(n_days) as longest_run_below_days
    from (select section_code, report_year, island, count(*) as n_days from runs group by all)
    group by all
),

per_year as (
    select
        d.section_code,
        d.report_year,
        count(*) as days_with_data,
        count(*) filter (where d.is_below_minimum) as days_below_minimum,
        count(*) filter (where d.is_near_minimum) as days_near_minimum,
        min(d.mean_flow_m3s) as min_daily_flow_m3s,
        coalesce(l.longest_run_below_days, 0) as longest_run_below_days
    from {{ ref('int_ecological_flow_days') }} as d
    left join longest as l using (section_code, report_year)
    group by d.section_code, d.report_year, l.longest_run_below_days
),

status as (
    select p.section_code, p.report_year, max_by(w.status_zh, w.sort_order) as status_zh,
           max_by(w.status_code, w.sort_order) as status_code
    from per_year as p
    join {{ source('deployment', 'ecological_flow_warning_levels') }} as w
        on (w.min_days_below is null and w.min_longest_run_days is null and w.min_days_near is null)
        or p.days_below_minimum >= w.min_days_below
        or p.longest_run_below_days >= w.min_longest_run_days
        or p.days_near_minimum >= w.min_days_near
    group by all
)

select
    p.section_code,
    p.report_year,
    s.section_name_zh,
    s.river_zh,
    s.region_code,
    s.sort_order,
    s.min_flow_m3s,
    exists (select 1 from {{ source('deployment', 'ecological_flow_seasonal_minimums') }} as m
            where m.section_code = p.section_code) as has_seasonal_minimum,
    p.days_with_data,
    p.days_with_data - p.days_below_minimum as days_meeting_minimum,
    p.days_below_minimum,
    p.days_below_minimum / p.days_with_data * 100 as share_below_minimum_pct,
    (p.days_with_data - p.days_below_minimum) / p.days_with_data * 100 as assurance_rate_pct,
    p.longest_run_below_days,
    p.days_near_minimum,
    p.min_daily_flow_m3s,
    st.status_zh,
    st.status_code
from per_year as p
join {{ source('deployment', 'ecological_flow_sections') }} as s using (section_code)
left join status as st using (section_code, report_year)
