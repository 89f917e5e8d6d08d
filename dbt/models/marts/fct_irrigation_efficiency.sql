-- 农田灌溉水有效利用系数 by the head–tail method (METHODS §4):
--   sample district η_i = net / gross;
--   stratum η (seeds/irrigation_class_rules.csv): gross-weighted or arithmetic mean of its samples;
--   class η = Σ stratum η × W_stratum / Σ W_stratum, W = gross water of ALL districts in the stratum;
--   region η = Σ class η × W_class / Σ W_class.
-- Strata without a sample district carry no η and are left out of the weights (flagged).
with districts as (
    select
        r.region_code,
        d.report_year,
        d.size_class_zh,
        d.irrigated_area_10k_mu,
        d.is_sample,
        d.gross_water_surface_m3 + d.gross_water_ground_m3 as gross_m3,
        d.net_water_m3 as net_m3
    from {{ ref('stg_raw__irrigation_returns') }} as d
    join {{ ref('int_region_rollup') }} as r on d.region_code = r.member_region_code
),

stratified as (
    select d.*, s.stratum_zh, s.within_stratum_method
    from districts as d
    join {{ ref('irrigation_class_rules') }} as s
        on d.size_class_zh = s.size_class_zh
       and d.irrigated_area_10k_mu >= s.band_min_10k_mu and d.irrigated_area_10k_mu < s.band_max_10k_mu
),

strata as (
    select
        region_code,
        report_year,
        size_class_zh,
        stratum_zh,
        any_value(within_stratum_method) as within_stratum_method,
        {{ exact_sum("gross_m3") }} as stratum_gross_m3,
        case any_value(within_stratum_method)
            when 'arithmetic_mean' then {{ exact_sum("net_m3 / nullif(gross_m3, 0)", where="is_sample") }}
                 / nullif(count(net_m3 / nullif(gross_m3, 0)) filter (where is_sample), 0)
            else {{ exact_sum("net_m3", where="is_sample") }} / nullif({{ exact_sum("gross_m3", where="is_sample") }}, 0)
        end as stratum_coefficient,
        count(*) filter (where is_sample) as n_sample_districts,
        count(*) as n_districts
    from stratified
    group by all
),

classes as (
    select
        region_code,
        report_year,
        size_class_zh,
        {{ exact_sum("stratum_coefficient * stratum_gross_m3", where="stratum_coefficient is not null") }}
            / nullif({{ exact_sum("stratum_gross_m3", where="stratum_coefficient is not null") }}, 0) as class_coefficient,
        {{ exact_sum("stratum_gross_m3", where="stratum_coefficient is not null") }} as class_gross_m3,
        sum(n_sample_districts) as n_sample_districts,
        sum(n_districts) as n_districts,
        bool_or(stratum_coefficient is null) as has_stratum_without_sample
    from strata
    group by all
)

select
    region_code,
    report_year,
    {{ exact_sum("class_coefficient * class_gross_m3") }} / nullif({{ exact_sum("class_gross_m3") }}, 0) as irrigation_coefficient,
    {{ exact_sum("class_gross_m3") }} as weighted_gross_irrigation_m3,
    cast(sum(n_sample_districts) as bigint) as n_sample_districts,
    cast(sum(n_districts) as bigint) as n_districts,
    bool_or(has_stratum_without_sample) as has_stratum_without_sample,
    {{ json_object_agg_sorted('size_class_zh', 'class_coefficient') }}
        as class_coefficients_json
from classes
group by region_code, report_year
