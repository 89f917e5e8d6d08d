-- One row per permit × intake: the register lists several intakes in one cell (；-separated).
-- A re-issued permit number keeps only its latest validity period.
with permits as (
    select * from {{ ref('stg_raw__permits') }}
    qualify row_number() over (partition by permit_no order by valid_from desc, source_row_number desc) = 1
)

select
    p.permit_no,
    p.uscc,
    p.holder_name,
    p.region_code,
    trim(i.intake_code) as intake_code,
    p.water_source_zh,
    p.water_use_purpose_zh,
    p.permitted_volume_m3,
    p.valid_from,
    p.valid_to,
    p.status_zh
from permits as p
cross join {{ unnest_rows(split_regex('p.intake_code', '[；;，,、\s]+')) }} as i(intake_code)
where trim(i.intake_code) <> ''
