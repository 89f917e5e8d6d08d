-- One row per water-saving carrier: a carrier is one type and one identity (its USCC, or its name in
-- its region). Duplicates inside a file were quarantined at load (duplicate_carrier); a carrier in
-- several editions of the register (files) is still one carrier: its earliest creation year, its
-- highest level, every review year and every id it was listed under.
with rows_ as (
    select c.*, coalesce(c.uscc, c.region_code || '|' || c.carrier_name) as identity
    from {{ ref('stg_raw__water_saving_carriers') }} as c
)

select
    carrier_type_code || '|' || identity as carrier_key,
    first(carrier_id order by source_file desc, source_row_number) as carrier_id,
    first(carrier_name order by source_file desc, source_row_number) as carrier_name,
    min(uscc) as uscc,
    first(region_code order by source_file desc, source_row_number) as region_code,
    carrier_type_zh,
    carrier_type_code,
    -- 国家级 before 省级 before 市级
    first(carrier_level_zh order by case carrier_level_zh when '国家级' then 1 when '省级' then 2 else 3 end) as carrier_level_zh,
    min(creation_year) as creation_year,
    list_sort(list_distinct(flatten(list(review_years)))) as review_years,
    bool_or(is_efficiency_leader) as is_efficiency_leader,
    list_sort(list_distinct(list(carrier_id))) as carrier_ids,
    count(*) as n_register_rows
from rows_
group by carrier_type_code, carrier_type_zh, identity
