-- The rows of a unit's bulletin and assessment tables: the unit itself first (its total row,
-- labelled by its short name in the register), then its direct children in register order. Every
-- report model joins this and keeps a region only in the years its code is in use (region_in_use).
select
    u.region_code as report_unit_code,
    r.region_code,
    case when r.region_code = u.region_code then r.short_name_zh else r.region_name_zh end as region_label,
    case when r.region_code = u.region_code then -1 else r.sort_order end as sort_order,
    r.valid_from_year,
    r.valid_to_year
from {{ ref('dim_regions') }} as u
join {{ ref('dim_regions') }} as r on r.region_code = u.region_code or r.parent_code = u.region_code
