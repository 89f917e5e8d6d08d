-- The supervision inspections per region and year (监督检查): units sampled by kind, findings by
-- category, corrections. A finding counts as corrected when its correction was completed by the
-- year's as-of date (deployment report_as_of_dates, else 31 December); on time when by its deadline.
--   问题整改率 = corrected findings / findings × 100;  按期整改率 = on-time corrections / findings × 100.
with rows_ as (
    select s.*, {{ report_as_of('s.inspection_year') }} as as_of_date
    from {{ ref('stg_raw__supervision_inspections') }} as s
)

select
    r.region_code,
    s.inspection_year as report_year,
    any_value(s.as_of_date) as as_of_date,
    count(distinct s.uscc) filter (where s.unit_kind_zh = '取水单位') as withdrawal_units_inspected,
    count(distinct s.uscc) filter (where s.unit_kind_zh = '用水单位') as use_units_inspected,
    count(distinct s.uscc) filter (where s.finding_category_zh is not null) as units_with_findings,
    count(s.finding_category_zh) as findings,
    count(*) filter (where s.finding_category_zh = '取水许可') as findings_permit,
    count(*) filter (where s.finding_category_zh = '工程设施') as findings_works,
    count(*) filter (where s.finding_category_zh = '计量与检定') as findings_metering,
    count(*) filter (where s.finding_category_zh = '水资源费(税)') as findings_fees,
    count(*) filter (where s.finding_category_zh = '定额执行') as findings_quota,
    count(*) filter (where s.finding_category_zh is not null and s.corrected_on <= s.as_of_date) as findings_corrected,
    count(*) filter (where s.finding_category_zh is not null and s.corrected_on <= s.correction_deadline)
        as findings_corrected_on_time,
    count(*) filter (where s.finding_category_zh is not null and s.corrected_on <= s.as_of_date) * 100e0
        / nullif(count(s.finding_category_zh), 0) as correction_rate_pct,
    count(*) filter (where s.finding_category_zh is not null and s.corrected_on <= s.correction_deadline) * 100e0
        / nullif(count(s.finding_category_zh), 0) as on_time_correction_rate_pct
from rows_ as s
join {{ ref('int_region_rollup') }} as r on r.member_region_code = s.region_code
group by all
