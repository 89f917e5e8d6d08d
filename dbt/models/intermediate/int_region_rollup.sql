-- Which reporting units make up each region: every unit is its own member and a member of its
-- parent (the city), so one join rolls any unit-level fact up to every level.
select region_code as member_region_code, region_code from {{ ref('regions') }}
union all
select region_code as member_region_code, parent_code as region_code
from {{ ref('regions') }}
where parent_code is not null
