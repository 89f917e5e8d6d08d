select
    region_code,
    region_name_zh,
    short_name_zh,
    unit_type,
    parent_code,
    sort_order,
    unit_type = 'development_zone' as is_development_zone,
    parent_code is null as is_top_level
from {{ ref('regions') }}
