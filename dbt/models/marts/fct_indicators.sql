-- The analyst-facing indicator table the bulletin reads: one row per region, year, indicator and
-- caliber, at full precision, with unit, price basis and method (seeds/indicator_catalog.csv).
-- Rounding happens only when a figure is presented.
with use_ as (
    select * from {{ ref('mart_water_use_by_region') }}
),

econ as (
    select * from {{ ref('int_region_economy') }}
),

leakage as (
    select r.region_code, l.report_year,
           {{ exact_sum("l.leakage_rate_pct * l.system_input_m3") }} / nullif({{ exact_sum("l.system_input_m3") }}, 0) as leakage_rate_pct,
           {{ exact_sum("l.comprehensive_loss_rate_pct * l.system_input_m3") }} / nullif({{ exact_sum("l.system_input_m3") }}, 0)
               as comprehensive_loss_rate_pct
    from {{ ref('fct_public_supply_leakage') }} as l
    join {{ ref('int_region_rollup') }} as r on l.region_code = r.member_region_code
    group by all
),

by_caliber as (
    select d.region_code, d.report_year, d.caliber, v.indicator_code, v.value
    from {{ ref('int_intensity_declines') }} as d
    join {{ ref('int_water_use_by_caliber') }} as c using (region_code, report_year, caliber),
    lateral (
        select 'total_water_use' as indicator_code, c.total_m3 / 1e8 as value
        union all select 'water_use_per_10k_gdp', d.m3_per_10k_yuan_gdp
        union all select 'water_use_per_10k_gdp_decline_vs_base', d.m3_per_10k_yuan_gdp_decline_vs_base_pct
        union all select 'water_use_per_10k_gdp_decline_yoy', d.m3_per_10k_yuan_gdp_decline_yoy_pct
        union all select 'water_use_per_10k_industry_va', d.m3_per_10k_yuan_industry_va
        union all select 'water_use_per_10k_industry_va_decline_vs_base', d.m3_per_10k_yuan_industry_va_decline_vs_base_pct
        union all select 'water_use_per_10k_industry_va_decline_yoy', d.m3_per_10k_yuan_industry_va_decline_yoy_pct
    ) as v
),

statistical as (
    select u.region_code, u.report_year, 'statistical' as caliber, v.indicator_code, v.value
    from use_ as u
    left join econ as e using (region_code, report_year)
    left join leakage as l using (region_code, report_year)
    left join {{ ref('fct_industrial_reuse') }} as ru using (region_code, report_year)
    left join {{ ref('fct_irrigation_efficiency') }} as ie using (region_code, report_year)
    left join {{ ref('fct_metering_coverage') }} as mc using (region_code, report_year)
    left join {{ ref('fct_register_completeness') }} as rc using (region_code)
    left join {{ ref('fct_unconventional_share') }} as us using (region_code, report_year)
    left join {{ ref('fct_reclaimed_water') }} as rw using (region_code, report_year),
    lateral (select {{ days_in_year('u.report_year') }} as days, e.population_avg_10k * 1e4 as pop) as k,
    lateral (
        select 'unconventional_water_use' as indicator_code, u.unconventional_m3 / 1e8 as value
        union all select 'unconventional_share', u.unconventional_m3 / nullif(u.total_m3, 0) * 100
        union all select 'unconventional_share_change_yoy', us.share_change_pp
        union all select 'reclaimed_water_use_rate', rw.reclaimed_use_rate_pct
        union all select 'water_use_per_capita', u.total_m3 / nullif(k.pop, 0)
        union all select 'domestic_per_capita', case when u.has_sector_split then u.domestic_m3 * 1000 / nullif(k.pop * k.days, 0) end
        union all select 'residential_per_capita', case when u.has_sector_split and u.has_domestic_split
                                        then u.residential_m3 * 1000 / nullif(k.pop * k.days, 0) end
        union all select 'urban_domestic_per_capita_legacy', case when u.has_sector_split and u.has_domestic_split
                                                       and u.has_residential_split then (u.residential_urban_m3 + u.public_m3) * 1000 / nullif(e.population_urban_10k * 1e4 * k.days, 0) end
        union all select 'rural_residential_per_capita_legacy', case when u.has_sector_split and u.has_domestic_split
                                                         and u.has_residential_split then u.residential_rural_m3 * 1000 / nullif(e.population_rural_10k * 1e4 * k.days, 0) end
        union all select 'farmland_irrigation_per_mu', case when u.has_sector_split and u.has_agriculture_split
            then u.farmland_irrigation_m3 / nullif(e.irrigated_area_actual_10k_mu * 1e4, 0) end
        union all select 'industrial_reuse_rate', ru.reuse_rate_pct
        union all select 'comprehensive_loss_rate', l.comprehensive_loss_rate_pct
        union all select 'network_leakage_rate', l.leakage_rate_pct
        union all select 'irrigation_efficiency_coefficient', ie.irrigation_coefficient
        union all select 'online_metering_coverage', mc.online_metering_coverage_pct
        union all select 'register_completeness', rc.completeness_pct
    ) as v
),

-- water-saving management (issue 18): carrier creation rates (one indicator per carrier type with a
-- base count: carrier_rate_<type code>), 水效领跑者, and the supervision inspections' counts and rates
management as (
    select region_code, report_year, 'statistical' as caliber, 'carrier_rate_' || carrier_type_code as indicator_code,
           creation_rate_pct as value
    from {{ ref('fct_carrier_creation') }}
    union all
    select region_code, report_year, 'statistical', 'water_efficiency_leaders', {{ exact_sum('efficiency_leaders') }}
    from {{ ref('fct_carrier_creation') }}
    group by all
    union all
    select s.region_code, s.report_year, 'statistical', v.indicator_code, v.value
    from {{ ref('fct_supervision_inspections') }} as s,
    lateral (
        select 'supervision_withdrawal_units' as indicator_code, s.withdrawal_units_inspected::double as value
        union all select 'supervision_use_units', s.use_units_inspected::double
        union all select 'supervision_findings', s.findings::double
        union all select 'supervision_correction_rate', s.correction_rate_pct
        union all select 'supervision_on_time_correction_rate', s.on_time_correction_rate_pct
    ) as v
),

-- audits, balance tests and quotas (issue 18): coverage and completion per kind, the share of users
-- judged against a quota that use more than it
audits_and_quotas as (
    select region_code, report_year, 'statistical' as caliber,
           'water_audit_coverage' as indicator_code, coverage_pct as value
    from {{ ref('fct_audit_coverage') }}
    where kind_zh = '用水审计'
    union all
    select region_code, report_year, 'statistical', 'water_balance_test_completion_rate', completion_pct
    from {{ ref('fct_audit_coverage') }}
    where kind_zh = '水平衡测试'
    union all
    select r.region_code, q.report_year, 'statistical', 'over_quota_user_share',
           count(distinct q.user_code) filter (where q.is_over_quota) * 100e0
               / nullif(count(distinct q.user_code) filter (where q.is_over_quota is not null), 0)
    from {{ ref('fct_quota_compliance') }} as q
    join {{ ref('int_region_rollup') }} as r on q.region_code = r.member_region_code
    group by all
),

plans_and_permits as (
    -- 计划下达率 (required users with a plan / required users), electronic licences, and the users that
    -- withdrew on days no valid permit covered (with those days) per region and year
    select r.region_code, c.report_year, 'statistical' as caliber, 'plan_issuance_rate' as indicator_code,
           count(*) filter (where c.has_plan) / count(*) * 100 as value
    from {{ ref('fct_plan_coverage') }} as c
    join {{ ref('int_region_rollup') }} as r on c.region_code = r.member_region_code
    where c.is_plan_required
    group by all
    union all
    select e.region_code, e.report_year, 'statistical', v.indicator_code, v.value
    from {{ ref('fct_permit_e_licences') }} as e,
    lateral (
        select 'e_licence_conversion_rate' as indicator_code, e.e_licence_rate_pct as value
        union all select 'e_licences', e.n_e_licences::double
    ) as v
    union all
    select r.region_code, p.report_year, 'statistical', v.indicator_code, {{ exact_sum("v.value") }}
    from {{ ref('fct_permit_validity') }} as p
    join {{ ref('int_region_rollup') }} as r on p.region_code = r.member_region_code,
    lateral (
        select 'users_withdrawing_without_permit' as indicator_code, case when p.has_unpermitted_days then 1.0 else 0.0 end as value
        union all select 'days_withdrawing_without_permit', case when p.has_unpermitted_days then p.days_without_valid_permit else 0 end
    ) as v
    where p.self_supplied_m3 is not null
    group by r.region_code, p.report_year, v.indicator_code
)

select
    i.region_code,
    i.report_year,
    i.indicator_code,
    i.caliber,
    c.indicator_name_zh,
    i.value,
    c.unit,
    c.price_basis,
    c.method,
    c.decimals as bulletin_decimals
from (select * from by_caliber union all select * from statistical
      union all select * from management
      union all select * from audits_and_quotas
      union all select * from plans_and_permits) as i
join {{ ref('indicator_catalog') }} as c using (indicator_code)
where i.value is not null
