select
    region_code,
    region_name_zh,
    short_name_zh,
    level,
    parent_code,
    successor_code,
    valid_from_year,
    valid_to_year,
    sort_order,
    level = 'zone' as is_development_zone,
    coalesce(is_assessment_unit, false) as is_assessment_unit,
    parent_code is null and successor_code is null as is_top_level
from {{ source('deployment', 'regions') }}
