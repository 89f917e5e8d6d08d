-- One row per water-saving carrier: a carrier is one type and one identity (its USCC, or its name in
-- its region). Duplicates inside a file were quarantined at load (duplicate_carrier); a carrier in
-- several editions of the register (files) is still one carrier: its earliest creation year, its
-- highest level, every review year and every id it was listed under.
with identified as (
    select c.*, coalesce(c.uscc, c.region_code || '|' || c.carrier_name) as identity
    from {{ ref('stg_raw__water_saving_carriers') }} as c
),

-- each row's place, latest edition first: min_by on it picks what first(... order by) picked
-- (Spark has no ordered first())
rows_ as (
    select *, row_number() over (partition by carrier_type_code, carrier_type_zh, identity
                                 order by source_file desc, source_row_number) as edition_rank
    from identified
)

select
    carrier_type_code || '|' || identity as carrier_key,
    min_by(carrier_id, edition_rank) as carrier_id,
    min_by(carrier_name, edition_rank) as carrier_name,
    min(uscc) as uscc,
    min_by(region_code, edition_rank) as region_code,
    carrier_type_zh,
    carrier_type_code,
    -- 国家级 before 省级 before 市级
    min_by(carrier_level_zh, case carrier_level_zh when '国家级' then 1 when '省级' then 2 else 3 end) as carrier_level_zh,
    min(creation_year) as creation_year,
    array_sort(array_distinct(flatten(array_agg(review_years)))) as review_years,
    bool_or(is_efficiency_leader) as is_efficiency_leader,
    array_sort(array_distinct(array_agg(carrier_id))) as carrier_ids,
    count(*) as n_register_rows
from rows_
group by carrier_type_code, carrier_type_zh, identity
