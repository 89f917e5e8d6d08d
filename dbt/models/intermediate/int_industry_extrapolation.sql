-- Industrial water of firms that are not enumerated (METHODS §1.5 step 4):
--   W = I_S × (VA_region − VA_enumerated), I_S = Σ W_sample / Σ VA_sample (m³/万元, new water).
-- Enumerated: above-scale firms, thermal power included (never extrapolated). Sample: the
-- surveyed firms below scale. The coefficient and its inputs are kept for audit.
with firms as (
    select
        region_code,
        report_year,
        is_above_scale,
        new_water_surface_m3 as surface_m3,
        new_water_ground_m3 as ground_m3,
        new_water_tap_m3 as tap_m3,
        new_water_unconventional_m3 as unconventional_m3,
        value_added_10k_yuan
    from {{ ref('stg_raw__industrial_returns') }}
),

per_region as (
    select
        region_code,
        report_year,
        count(*) filter (where not is_above_scale) as n_sample_firms,
        {{ exact_sum("surface_m3 + ground_m3 + tap_m3 + unconventional_m3", where="not is_above_scale") }} as sample_water_m3,
        {{ exact_sum("surface_m3", where="not is_above_scale") }} as sample_surface_m3,
        {{ exact_sum("ground_m3", where="not is_above_scale") }} as sample_ground_m3,
        {{ exact_sum("tap_m3", where="not is_above_scale") }} as sample_tap_m3,
        {{ exact_sum("unconventional_m3", where="not is_above_scale") }} as sample_unconventional_m3,
        {{ exact_sum("value_added_10k_yuan", where="not is_above_scale") }} as sample_va_10k_yuan,
        coalesce({{ exact_sum("value_added_10k_yuan", where="is_above_scale") }}, 0) as enumerated_va_10k_yuan
    from firms
    group by region_code, report_year
),

coefficients as (
    select
        p.*,
        e.industry_va_100m_yuan * 1e4 as region_va_10k_yuan,
        p.sample_water_m3 / nullif(p.sample_va_10k_yuan, 0) as sample_intensity_m3_per_10k_yuan,
        greatest(e.industry_va_100m_yuan * 1e4 - p.enumerated_va_10k_yuan, 0) as uncovered_va_10k_yuan
    from per_region as p
    left join {{ ref('int_region_economy') }} as e using (region_code, report_year)
)

select
    *,
    sample_intensity_m3_per_10k_yuan * uncovered_va_10k_yuan as extrapolated_m3
from coefficients
