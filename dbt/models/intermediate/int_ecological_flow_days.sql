-- One row per control section of the deployment and day with a reported flow, against the minimum
-- ecological flow in force that day: the section's seasonal minimum for the month where the
-- deployment gives one (deployment.ecological_flow_seasonal_minimums), else its all-year minimum.
-- A day reported twice (a re-sent export) keeps the row of the later file.
with flows as (
    select *
    from {{ ref('stg_raw__ecological_flows') }}
    qualify row_number() over (partition by section_code, flow_date
                               order by source_file desc, source_row_number desc) = 1
)

select
    s.section_code,
    f.flow_date,
    cast(year(f.flow_date) as integer) as report_year,
    f.mean_flow_m3s,
    coalesce(m.min_flow_m3s, s.min_flow_m3s) as min_flow_m3s,
    f.mean_flow_m3s < coalesce(m.min_flow_m3s, s.min_flow_m3s) as is_below_minimum,
    f.mean_flow_m3s >= coalesce(m.min_flow_m3s, s.min_flow_m3s)
        and f.mean_flow_m3s < coalesce(m.min_flow_m3s, s.min_flow_m3s) * (1 + s.warning_margin_pct / 100)
        as is_near_minimum,
    f.source_file,
    f.source_row_number
from flows as f
join {{ source('deployment', 'ecological_flow_sections') }} as s using (section_code)
left join {{ source('deployment', 'ecological_flow_seasonal_minimums') }} as m
    on m.section_code = f.section_code and month(f.flow_date) between m.month_from and m.month_to
