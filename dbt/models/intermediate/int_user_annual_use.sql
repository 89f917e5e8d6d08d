-- Annual use per reporting user (by USCC), from the survey returns, in m³:
-- self-supplied withdrawal (what a permit covers) and total new water (what a plan covers).
select
    report_year,
    uscc,
    any_value(unit_name) as user_name,
    any_value(region_code) as region_code,
    'industrial' as user_type,
    {{ exact_sum("new_water_surface_m3 + new_water_ground_m3") }} as self_supplied_m3,
    {{ exact_sum("new_water_surface_m3 + new_water_ground_m3 + new_water_tap_m3 + new_water_unconventional_m3") }} as total_use_m3
from {{ ref('stg_raw__industrial_returns') }}
group by report_year, uscc
union all
select
    report_year,
    uscc,
    any_value(unit_name),
    any_value(region_code),
    'public_supply',
    {{ exact_sum("own_production_surface_m3 + own_production_ground_m3") }},
    {{ exact_sum("system_input_m3") }}
from {{ ref('int_public_supply_balance') }}
group by report_year, uscc
