-- Each stretch of days a permit holder held no valid permit between two permitted stretches (all the
-- holder's permits merged, int_permit_validity_spans), with the permit that resumed it: a renewal
-- (延续) a month after the old validity ended leaves a month unpermitted. A late renewal is real and
-- kept, not quarantined; the days are judged unpermitted (fct_permit_validity) and listed here.
with ordered as (
    select *, max(valid_to) over (partition by uscc order by valid_from, valid_to
                                  rows between unbounded preceding and 1 preceding) as covered_to
    from {{ ref('int_permit_validity_spans') }}
)

select
    uscc,
    region_code,
    permit_no,
    covered_to + 1 as lapsed_from,
    valid_from - 1 as lapsed_to,
    cast({{ days_between('covered_to', 'valid_from') }} - 1 as integer) as lapse_days,
    granted_by_zh as resumed_by_zh,
    event_date as resumed_decided_on,
    printf('许可证%s：有效期至%s届满，%s起方%s，其间%d天无有效取水许可', permit_no, cast(covered_to as string), cast(valid_from as string),
           case granted_by_zh when '延续' then '延续' else '重新取得许可' end,
           {{ days_between('covered_to', 'valid_from') }} - 1) as message_zh
from ordered
where valid_from > covered_to + 1
