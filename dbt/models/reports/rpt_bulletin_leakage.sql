-- 公报 表4 供水管网漏损: each supplier of a report row (volumes in 万m³, rates and corrections in %),
-- then each report row's supply-weighted regional rates.
select
    g.report_unit_code,
    l.report_year,
    l.region_code,
    g.region_label || ' ' || l.unit_name as row_label,
    g.sort_order,
    0 as row_group,  -- suppliers first, then the regional rows
    l.uscc,
    l.unit_name,
    l.system_input_m3 / 1e4 as system_input_10k_m3,
    l.authorized_m3 / 1e4 as authorized_10k_m3,
    l.comprehensive_loss_rate_pct,
    l.r1_household_metering_pct,
    l.r2_pipe_length_pct,
    l.r3_pressure_pct,
    l.r4_frost_depth_pct,
    l.leakage_rate_pct,
    l.leakage_grade_zh
from {{ ref('fct_public_supply_leakage') }} as l
{{ join_report_rows('l') }}
union all
select
    g.report_unit_code,
    i.report_year,
    i.region_code,
    g.region_label || ' (地区加权)',
    g.sort_order,
    1,
    null,
    null,
    null,
    null,
    max(i.value) filter (where i.indicator_code = 'comprehensive_loss_rate'),
    null,
    null,
    null,
    null,
    max(i.value) filter (where i.indicator_code = 'network_leakage_rate'),
    null
from {{ ref('fct_indicators') }} as i
{{ join_report_rows('i') }}
where i.caliber = 'statistical' and i.indicator_code in ('comprehensive_loss_rate', 'network_leakage_rate')
group by g.report_unit_code, i.report_year, i.region_code, g.region_label, g.sort_order
