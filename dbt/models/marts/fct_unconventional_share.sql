-- The share of unconventional water (非常规水源) in total supply per region and year, and its trend:
-- the change on the previous year in percentage points (share_t − share_t−1; null without a
-- previous year), METHODS S27 (the unconventional share is to rise year on year).
with shares as (
    select
        region_code,
        report_year,
        has_source_split,
        unconventional_m3,
        total_m3,
        unconventional_m3 / nullif(total_m3, 0) * 100 as share_pct
    from {{ ref('mart_water_use_by_region') }}
)

select
    s.*,
    p.share_pct as previous_share_pct,
    s.share_pct - p.share_pct as share_change_pp
from shares as s
left join shares as p on p.region_code = s.region_code and p.report_year = s.report_year - 1
