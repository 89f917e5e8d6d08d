-- 基础信息完整率 per region: the share of current permits whose required fields are all present
-- and whose USCC passes its check character (record level [VERIFY]; seed 000 reports 91%).
with permits as (
    select *
    from {{ ref('stg_raw__permits') }}
    qualify row_number() over (partition by permit_no order by valid_from desc, source_row_number desc) = 1
),

checked as (
    select
        region_code,
        permit_no is not null and holder_name is not null and region_code is not null
            and intake_location is not null and intake_code is not null and water_source_zh is not null
            and water_use_purpose_zh is not null and industry_code is not null and permitted_volume_m3 is not null
            and valid_from is not null and valid_to is not null and status_zh is not null
            and coalesce({{ is_valid_uscc('uscc') }}, false) as is_complete
    from permits
)

select
    r.region_code,
    count(*) as n_permits,
    count(*) filter (where c.is_complete) as n_complete,
    count(*) filter (where c.is_complete) / count(*) * 100 as completeness_pct
from checked as c
join {{ ref('int_region_rollup') }} as r on c.region_code = r.member_region_code
group by r.region_code
