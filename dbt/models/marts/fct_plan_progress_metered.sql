-- In-year plan progress from metered data: a user's metered withdrawal on the days its meters
-- reported, against the plan for those same days (each day's share of its month in the plan's
-- monthly split; without one, the annual plan evenly), with the status from plan_warning_thresholds. The days covered and their share of
-- the year are stated: a week of readings is compared with a week of plan, never with the year's.
-- The plan is the plan in force: an addition or reduction adds its volume spread evenly over the days
-- from its effective date to the year's end (so the year's days sum to the plan in force at year end).
{%- set month_plan -%}
(case month(u.volume_date){% for m in range(1, 13) %} when {{ m }} then p.plan_m{{ '%02d' % m }}_m3{% endfor %} end)
{%- endset %}
with daily_use as (
    select i.uscc, d.volume_date, {{ exact_sum("d.volume_m3") }} as volume_m3
    from {{ ref('int_meter_daily_volumes') }} as d
    join {{ ref('int_permit_intakes') }} as i on d.intake_code = i.intake_code
    group by i.uscc, d.volume_date
),

against_plan as (
    select
        u.uscc,
        p.report_year,
        p.user_name,
        p.region_code,
        p.annual_plan_m3,
        min(u.volume_date) as first_date,
        max(u.volume_date) as through_date,
        count(*) as days_metered,
        {{ exact_sum("u.volume_m3") }} as metered_use_m3,
        -- a plan without its monthly split: the annual plan spread evenly over the year's days;
        -- plus the additions and reductions in force that day, each spread evenly over the rest of its year
        {{ exact_sum("coalesce(" ~ month_plan ~ " / day(last_day(u.volume_date)), p.annual_plan_m3 / "
                     ~ days_in_year('p.report_year', 'calendar') ~ ") + coalesce(a.adjustment_m3_per_day, 0)") }}
            as plan_for_days_metered_m3
    from daily_use as u
    join {{ ref('stg_raw__water_use_plans') }} as p on p.uscc = u.uscc and p.report_year = year(u.volume_date)
    left join lateral (
        select {{ exact_sum("j.adjustment_m3 / (" ~ days_between('j.effective_date', 'make_date(j.report_year, 12, 31)') ~ " + 1)") }}
                   as adjustment_m3_per_day
        from {{ ref('stg_raw__water_use_plan_adjustments') }} as j
        where j.uscc = u.uscc and j.report_year = p.report_year and j.effective_date <= u.volume_date
    ) as a on true
    group by u.uscc, p.report_year, p.user_name, p.region_code, p.annual_plan_m3
),

rated as (
    select
        uscc, report_year, first_date, through_date, days_metered, metered_use_m3, plan_for_days_metered_m3,
        cast(days_metered as double) / {{ days_in_year('report_year', 'calendar') }} * 100 as share_of_year_metered_pct,
        user_name, region_code, annual_plan_m3,
        metered_use_m3 / nullif(plan_for_days_metered_m3, 0) * 100 as use_of_plan_pct
    from against_plan
)

select r.*, w.status_zh as plan_status_zh, w.status_code as plan_status_code
from rated as r
left join {{ source('deployment', 'plan_warning_thresholds') }} as w on r.use_of_plan_pct > w.min_ratio_pct
    or (w.is_inclusive and r.use_of_plan_pct = w.min_ratio_pct)
qualify row_number() over (partition by r.uscc, r.report_year order by w.min_ratio_pct desc nulls last) = 1
