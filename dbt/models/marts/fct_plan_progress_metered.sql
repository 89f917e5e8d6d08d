-- In-year plan progress from metered data: cumulative metered withdrawal of a user's stations in
-- the plan year up to the last metered day, against the plan prorated to that day (the months
-- before it plus the day's share of its month), with the status from plan_warning_thresholds.
{%- set before_month -%}
({% for m in range(1, 13) %}case when month(m.through_date) > {{ m }} then coalesce(p.plan_m{{ '%02d' % m }}_m3, 0) else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
{%- endset -%}
{%- set this_month -%}
(case month(m.through_date){% for m in range(1, 13) %} when {{ m }} then p.plan_m{{ '%02d' % m }}_m3{% endfor %} end)
{%- endset %}
with metered as (
    select
        i.uscc,
        cast(year(d.volume_date) as integer) as report_year,
        max(d.volume_date) as through_date,
        sum(d.volume_m3) as cumulative_use_m3
    from {{ ref('int_meter_daily_volumes') }} as d
    join {{ ref('int_permit_intakes') }} as i on d.intake_code = i.intake_code
    group by all
),

prorated as (
    select
        m.*,
        p.user_name,
        p.region_code,
        p.annual_plan_m3,
        {{ before_month }} + {{ this_month }} * day(m.through_date) / day(last_day(m.through_date)) as prorated_plan_m3
    from metered as m
    join {{ ref('stg_raw__water_use_plans') }} as p on p.uscc = m.uscc and p.report_year = m.report_year
),

rated as (
    select *, cumulative_use_m3 / nullif(prorated_plan_m3, 0) * 100 as use_of_prorated_plan_pct
    from prorated
)

select r.*, w.status_zh as plan_status_zh, w.status_code as plan_status_code
from rated as r
left join {{ source('deployment', 'plan_warning_thresholds') }} as w on r.use_of_prorated_plan_pct > w.min_ratio_pct
    or (w.is_inclusive and r.use_of_prorated_plan_pct = w.min_ratio_pct)
qualify row_number() over (partition by r.uscc, r.report_year order by w.min_ratio_pct desc nulls last) = 1
