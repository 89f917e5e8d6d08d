-- Plan coverage (计划用水覆盖) per user and year: whether the deployment's rule requires a plan for the
-- user (rule plan_required_categories: self-supplied withdrawal on the returns; a key monitored user,
-- fct_key_monitored_users; tap water at or above plan_public_supply_min_m3) and whether one was issued
-- (int_water_use_plans: issued or added). 计划下达率 = required users with a plan / required users.
{%- set categories = var('plan_required_categories') %}
with tap as (
    select report_year, uscc, {{ exact_sum("new_water_tap_m3") }} as tap_m3
    from {{ ref('stg_raw__industrial_returns') }}
    group by all
),

users as (
    select
        report_year,
        uscc,
        coalesce(u.user_name, p.user_name) as user_name,
        coalesce(u.region_code, p.region_code) as region_code,
        coalesce(u.self_supplied_m3 > 0, false) as is_self_supplied,
        k.uscc is not null as is_key_monitored,
        coalesce(t.tap_m3 >= {{ var('plan_public_supply_min_m3') }}, false) as is_public_supplied_above_threshold,
        p.uscc is not null and p.plan_in_force_m3 > 0 as has_plan
    from {{ ref('int_user_annual_use') }} as u
    full join {{ ref('int_water_use_plans') }} as p using (report_year, uscc)
    left join {{ ref('fct_key_monitored_users') }} as k using (report_year, uscc)
    left join tap as t using (report_year, uscc)
)

select
    *,
    {%- if categories %}
    {% if 'self_supplied' in categories %}is_self_supplied{% else %}false{% endif %}
        or {% if 'key_monitored' in categories %}is_key_monitored{% else %}false{% endif %}
        or {% if 'public_supply' in categories %}is_public_supplied_above_threshold{% else %}false{% endif %}
    {%- else %}
    false
    {%- endif %} as is_plan_required
from users
