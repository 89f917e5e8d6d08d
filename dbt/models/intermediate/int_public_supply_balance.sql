-- CJJ 92-2016 water balance per public-supply enterprise and year (volumes in m³ from staging).
with returns as (
    select * from {{ ref('stg_raw__supply_returns') }}
)

select
    report_year,
    uscc,
    unit_name,
    region_code,
    own_production_surface_m3,
    own_production_ground_m3,
    purchased_supply_m3,
    own_production_surface_m3 + own_production_ground_m3 + purchased_supply_m3 as system_input_m3,
    billed_metered_m3 + billed_unmetered_m3 as billed_authorized_m3,
    unbilled_metered_m3 + unbilled_unmetered_m3 as unbilled_authorized_m3,
    billed_metered_m3 + billed_unmetered_m3 + unbilled_metered_m3 + unbilled_unmetered_m3 as authorized_m3,
    sales_residential_m3,
    sales_public_m3,
    sales_industry_m3,
    sales_ecological_m3,
    residential_metered_to_household_m3,
    pipe_length_dn75_km,
    mean_outlet_pressure_mpa,
    max_frost_depth_m,
    service_connections,
    mains_length_km,
    service_pipe_length_km,
    mean_operating_pressure_m,
    real_losses_m3,
    metering_losses_m3 + other_losses_m3 as apparent_losses_m3,
    grade_system_input,
    grade_authorized,
    grade_pipe_length,
    grade_pressure
from returns
