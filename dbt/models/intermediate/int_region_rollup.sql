-- Which codes make up each region: every code is a member of itself, of the code that succeeded it
-- (so a series crosses a code change) and of every ancestor along the register (county → city →
-- province → nation). Computed and validated (no loops) when the deployment is loaded.
select member_region_code, region_code
from {{ source('deployment', 'region_ancestors') }}
