-- 考核 取用水监督检查情况: each report row's sampled units, findings by category and corrections.
select
    {{ report_row_columns('s') }},
    s.withdrawal_units_inspected,
    s.use_units_inspected,
    s.units_with_findings,
    s.findings,
    s.findings_permit,
    s.findings_works,
    s.findings_metering,
    s.findings_fees,
    s.findings_quota,
    s.findings_corrected,
    s.findings_corrected_on_time,
    s.correction_rate_pct,
    s.on_time_correction_rate_pct
from {{ ref('fct_supervision_inspections') }} as s
{{ join_report_rows('s') }}
