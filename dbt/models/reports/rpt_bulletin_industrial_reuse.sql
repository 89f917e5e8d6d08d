-- 公报 表5 规模以上工业用水重复利用: per report row and year, volumes in 万m³ and the reuse rate in %.
select
    {{ report_row_columns('r') }},
    r.reused_m3 / 1e4 as reused_10k_m3,
    r.new_water_m3 / 1e4 as new_water_10k_m3,
    r.reuse_rate_pct,
    r.n_firms
from {{ ref('fct_industrial_reuse') }} as r
{{ join_report_rows('r') }}
