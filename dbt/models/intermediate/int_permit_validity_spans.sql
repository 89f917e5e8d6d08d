-- Every validity span of every permit: each issue, renewal or change on the permit-events ledger
-- grants one, and each row of the register is one too, so an office with the register alone
-- (latest validity only) still gets its spans. A cancellation (注销) on day X ends every span of
-- its permit that started before X on X − 1 (a span it ends before it starts is dropped).
with granted as (
    select permit_no, uscc, region_code, valid_from, valid_to, permitted_volume_m3, event_type_zh as granted_by_zh,
           event_date, 1 as preference
    from {{ ref('stg_raw__permit_events') }}
    where event_type_zh <> '注销'
    union all
    select permit_no, uscc, region_code, valid_from, valid_to, permitted_volume_m3, '登记台账', null, 2
    from {{ ref('stg_raw__permits') }}
),

spans as (
    -- the register repeats the ledger's current span: one row per span, the ledger's (it says which decision)
    select permit_no, uscc, region_code, valid_from, valid_to, granted_by_zh, event_date,
           coalesce(permitted_volume_m3, max(permitted_volume_m3) over (partition by permit_no, valid_from, valid_to))
               as permitted_volume_m3
    from granted
    where valid_from is not null and valid_to is not null
    qualify row_number() over (partition by permit_no, valid_from, valid_to order by preference) = 1
),

cut as (
    select s.*, (select min(c.event_date) from {{ ref('stg_raw__permit_events') }} as c
                 where c.event_type_zh = '注销' and c.permit_no = s.permit_no and c.event_date > s.valid_from) as cancelled_on
    from spans as s
)

select
    permit_no,
    uscc,
    region_code,
    valid_from,
    least(valid_to, cancelled_on - 1) as valid_to,
    valid_to as granted_valid_to,
    cancelled_on,
    permitted_volume_m3,
    granted_by_zh,
    event_date
from cut
where least(valid_to, cancelled_on - 1) >= valid_from
