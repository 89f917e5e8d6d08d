-- CJJ 92-2016 (2018 revision) leakage per public water-supply enterprise and year.
with balance as (
    select * from {{ ref('int_public_supply_balance') }}
),

rates as (
    select
        report_year,
        uscc,
        unit_name,
        region_code,
        system_input_m3,
        authorized_m3,
        system_input_m3 - authorized_m3 as water_losses_m3,
        system_input_m3 - billed_authorized_m3 as non_revenue_water_m3,
        {{ cjj92_comprehensive_loss_rate_pct('system_input_m3', 'authorized_m3') }} as comprehensive_loss_rate_pct,
        {{ cjj92_r1_pct('residential_metered_to_household_m3', 'system_input_m3') }} as r1_household_metering_pct,
        {{ cjj92_r2_pct('pipe_length_dn75_km', 'system_input_m3') }} as r2_pipe_length_pct,
        {{ cjj92_r3_pct('mean_outlet_pressure_mpa') }} as r3_pressure_pct,
        {{ cjj92_r4_pct('max_frost_depth_m') }} as r4_frost_depth_pct,
        -- IWA: ILI = CARL / UARL, UARL (L/d) = (18 Lm + 0.8 Nc + 25 Lp) × P (METHODS §3.4)
        real_losses_m3 * 1000 / {{ days_in_year('report_year') }} as carl_l_per_day,
        (18 * mains_length_km + 0.8 * service_connections + 25 * service_pipe_length_km)
            * mean_operating_pressure_m as uarl_l_per_day,
        service_connections >= {{ var('ili_min_service_connections') }} as is_ili_valid_system,
        -- AWWA-style data validity: each input self-graded 1–10, the audit score their mean [VERIFY]
        (grade_system_input + grade_authorized + grade_pipe_length + grade_pressure) / 4e0 as data_validity_score  -- 4e0: a double on Spark too
    from balance
)

select
    *,
    r1_household_metering_pct + r2_pipe_length_pct + r3_pressure_pct + r4_frost_depth_pct as total_correction_pct,
    comprehensive_loss_rate_pct
        - (r1_household_metering_pct + r2_pipe_length_pct + r3_pressure_pct + r4_frost_depth_pct)
        as leakage_rate_pct,
    {{ cjj92_grade_zh('comprehensive_loss_rate_pct - (r1_household_metering_pct + r2_pipe_length_pct + r3_pressure_pct + r4_frost_depth_pct)') }}
        as leakage_grade_zh,
    non_revenue_water_m3 / nullif(system_input_m3, 0) * 100 as non_revenue_water_rate_pct,
    carl_l_per_day / nullif(uarl_l_per_day, 0) as infrastructure_leakage_index
from rates
