-- Annual use against the water-use plan (计划用水) per user and year, with the status from
-- seeds/plan_warning_thresholds.csv and the progressive surcharge on the excess from the
-- deployment's plan-basis surcharge tiers (macros/surcharge.sql, METHODS §7.2):
--   V_i = clamp(Q − Q_p × (1 + a_i), 0, Q_p × (b_i − a_i)); surcharge = Σ V_i × price × k_i.
-- The plan is the plan in force at the year's end: issued + additions − reductions (int_water_use_plans).
with plans as (
    select report_year, uscc, user_name, region_code, plan_in_force_m3 as plan_m3
    from {{ ref('int_water_use_plans') }}
),

used as (
    select p.*, u.total_use_m3 as use_m3, u.total_use_m3 / nullif(p.plan_m3, 0) * 100 as use_of_plan_pct
    from plans as p
    left join {{ ref('int_user_annual_use') }} as u using (report_year, uscc)
),

surcharges as (
    select
        u.report_year,
        u.uscc,
        {{ tiered_surcharge_sum('u.use_m3', 'u.plan_m3', var('surcharge_base_price_yuan_per_m3')) }} as surcharge_yuan
    from used as u
    cross join {{ surcharge_tiers('plan') }} as t
    where u.use_m3 is not null
    group by all
)

select
    u.*,
    greatest(u.use_m3 - u.plan_m3, 0) as excess_m3,
    case when u.use_m3 is not null then coalesce(s.surcharge_yuan, 0) end as surcharge_yuan,
    case when u.use_m3 is null then '无用水报表' else w.status_zh end as plan_status_zh,
    case when u.use_m3 is null then 'no_return' else w.status_code end as plan_status_code
from used as u
left join surcharges as s using (report_year, uscc)
left join {{ source('deployment', 'plan_warning_thresholds') }} as w
    on u.use_of_plan_pct > w.min_ratio_pct or (w.is_inclusive and u.use_of_plan_pct = w.min_ratio_pct)
qualify row_number() over (partition by u.report_year, u.uscc order by w.min_ratio_pct desc nulls last) = 1
