-- CJJ 92-2016 water balance per public-supply enterprise and year, volumes in m³.
with returns as (
    select * from {{ ref('stg_raw__supply_returns') }}
)

select
    report_year,
    uscc,
    unit_name,
    region_code,
    {{ to_m3('own_production_surface', 'volume_unit') }} as own_production_surface_m3,
    {{ to_m3('own_production_ground', 'volume_unit') }} as own_production_ground_m3,
    {{ to_m3('purchased_supply', 'volume_unit') }} as purchased_supply_m3,
    {{ to_m3('own_production_surface + own_production_ground + purchased_supply', 'volume_unit') }}
        as system_input_m3,
    {{ to_m3('billed_metered + billed_unmetered', 'volume_unit') }} as billed_authorized_m3,
    {{ to_m3('unbilled_metered + unbilled_unmetered', 'volume_unit') }} as unbilled_authorized_m3,
    {{ to_m3('billed_metered + billed_unmetered + unbilled_metered + unbilled_unmetered', 'volume_unit') }}
        as authorized_m3,
    {{ to_m3('sales_residential', 'volume_unit') }} as sales_residential_m3,
    {{ to_m3('sales_public', 'volume_unit') }} as sales_public_m3,
    {{ to_m3('sales_industry', 'volume_unit') }} as sales_industry_m3,
    {{ to_m3('sales_ecological', 'volume_unit') }} as sales_ecological_m3,
    {{ to_m3('residential_metered_to_household', 'volume_unit') }} as residential_metered_to_household_m3,
    pipe_length_dn75_km,
    mean_outlet_pressure_mpa,
    max_frost_depth_m,
    service_connections,
    mains_length_km,
    service_pipe_length_km,
    mean_operating_pressure_m,
    {{ to_m3('real_losses', 'volume_unit') }} as real_losses_m3,
    {{ to_m3('metering_losses + other_losses', 'volume_unit') }} as apparent_losses_m3,
    grade_system_input,
    grade_authorized,
    grade_pipe_length,
    grade_pressure
from returns
