-- Water-saving carrier creation per region, year and carrier type: carriers created by the year
-- (cumulative, every level), created and reviewed in the year, 水效领跑者, and the creation rate
-- against the deployment's base count (carrier_base_counts: a region's own row, else the sum of
-- the rows of the regions under it). Years: the warehouse's report years and the base counts'.
with years as (
    select report_year from {{ ref('mart_water_use_by_region') }}
    union
    select report_year from {{ source('deployment', 'carrier_base_counts') }}
),

base_rows as (
    select b.region_code, b.report_year, t.carrier_type_code, b.base_count
    from {{ source('deployment', 'carrier_base_counts') }} as b
    join {{ ref('carrier_types') }} as t on t.carrier_type_zh = b.carrier_type_zh
),

bases as (
    -- the region's own count wins; without one, the sum over the regions under it
    select r.region_code, b.report_year, b.carrier_type_code,
           coalesce(max(b.base_count) filter (where b.region_code = r.region_code),
                    cast({{ exact_sum('b.base_count', where='b.region_code <> r.region_code') }} as integer)) as base_count
    from base_rows as b
    join {{ ref('int_region_rollup') }} as r on r.member_region_code = b.region_code
    group by all
),

counts as (
    select r.region_code, y.report_year, c.carrier_type_code,
           count(*) as carriers_cumulative,
           count(*) filter (where c.creation_year = y.report_year) as carriers_created_in_year,
           count(*) filter (where array_contains(c.review_years, y.report_year)) as carriers_reviewed_in_year,
           count(*) filter (where c.carrier_level_zh = '国家级') as carriers_national,
           count(*) filter (where c.carrier_level_zh = '省级') as carriers_provincial,
           count(*) filter (where c.carrier_level_zh = '市级') as carriers_municipal,
           count(*) filter (where c.is_efficiency_leader) as efficiency_leaders
    from {{ ref('fct_water_saving_carriers') }} as c
    join {{ ref('int_region_rollup') }} as r on r.member_region_code = c.region_code
    join years as y on c.creation_year <= y.report_year
    group by all
)

select
    coalesce(c.region_code, b.region_code) as region_code,
    coalesce(c.report_year, b.report_year) as report_year,
    coalesce(c.carrier_type_code, b.carrier_type_code) as carrier_type_code,
    t.carrier_type_zh,
    t.sort_order as carrier_type_sort_order,
    coalesce(c.carriers_cumulative, 0) as carriers_cumulative,
    coalesce(c.carriers_created_in_year, 0) as carriers_created_in_year,
    coalesce(c.carriers_reviewed_in_year, 0) as carriers_reviewed_in_year,
    coalesce(c.carriers_national, 0) as carriers_national,
    coalesce(c.carriers_provincial, 0) as carriers_provincial,
    coalesce(c.carriers_municipal, 0) as carriers_municipal,
    coalesce(c.efficiency_leaders, 0) as efficiency_leaders,
    b.base_count,
    coalesce(c.carriers_cumulative, 0) * 100e0 / nullif(b.base_count, 0) as creation_rate_pct  -- 100e0: Spark's 100.0 is a decimal
from counts as c
full join bases as b using (region_code, report_year, carrier_type_code)
join {{ ref('carrier_types') }} as t
    on t.carrier_type_code = coalesce(c.carrier_type_code, b.carrier_type_code)
