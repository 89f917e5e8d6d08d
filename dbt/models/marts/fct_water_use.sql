-- Water use of each reporting unit (county, district, development zone) by sub-sector, water
-- source and method, in m³. Region and city totals: mart_water_use_by_region.
select
    region_code,
    report_year,
    sector_code,
    sub_sector_code,
    source_type,
    coalesce(unconventional_type_zh, '') as unconventional_type_zh,
    method,
    {{ exact_sum("volume_m3") }} as volume_m3,
    count(distinct reporting_unit_id) as n_reporting_units
from {{ ref('int_water_use_components') }}
group by all
