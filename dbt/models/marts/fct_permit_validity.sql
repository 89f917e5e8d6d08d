-- Day-by-day permit validity per user and report year: the days any of the user's permits was
-- valid (spans merged, so overlapping permits count once) and the days none was, beside the user's
-- self-supplied withdrawal on its returns. A user withdrawing on a year with days no permit covers
-- withdrew without a permit on those days (the returns are annual: the days are not apportioned).
with years as (
    select distinct report_year, make_date(report_year, 1, 1) as year_from, make_date(report_year, 12, 31) as year_to
    from {{ ref('int_user_annual_use') }}
),

ordered as (
    select uscc, valid_from, valid_to,
           max(valid_to) over (partition by uscc order by valid_from, valid_to
                               rows between unbounded preceding and 1 preceding) as covered_to
    from {{ ref('int_permit_validity_spans') }}
),

merged as (
    -- gaps and islands: a span starting after everything before it ended (plus a day) opens an island
    select uscc, min(valid_from) as valid_from, max(valid_to) as valid_to
    from (select *, count(*) filter (where covered_to is null or valid_from > covered_to + 1)
                        over (partition by uscc order by valid_from, valid_to) as island
          from ordered)
    group by uscc, island
),

covered as (
    select m.uscc, y.report_year,
           sum({{ days_between('greatest(m.valid_from, y.year_from)', 'least(m.valid_to, y.year_to)') }} + 1) as days_valid,
           min(greatest(m.valid_from, y.year_from)) as first_valid_day
    from merged as m
    join years as y on m.valid_from <= y.year_to and m.valid_to >= y.year_from
    group by all
),

holders as (
    select distinct s.uscc, y.report_year, y.year_from, y.year_to
    from {{ ref('int_permit_validity_spans') }} as s
    join years as y on s.valid_from <= y.year_to
    union
    select uscc, report_year, make_date(report_year, 1, 1), make_date(report_year, 12, 31)
    from {{ ref('int_user_annual_use') }}
    where self_supplied_m3 > 0
)

select
    h.report_year,
    h.uscc,
    coalesce(u.region_code, r.region_code) as region_code,
    u.self_supplied_m3,
    cast({{ days_between('h.year_from', 'h.year_to') }} + 1 as integer) as days_in_year,
    cast(coalesce(c.days_valid, 0) as integer) as days_with_valid_permit,
    cast({{ days_between('h.year_from', 'h.year_to') }} + 1 - coalesce(c.days_valid, 0) as integer) as days_without_valid_permit,
    coalesce(u.self_supplied_m3 > 0, false) and coalesce(c.days_valid, 0) = 0 as is_withdrawing_without_permit,
    coalesce(u.self_supplied_m3 > 0, false)
        and {{ days_between('h.year_from', 'h.year_to') }} + 1 - coalesce(c.days_valid, 0) > 0 as has_unpermitted_days,
    (select count(*) from {{ ref('fct_permit_lapses') }} as l
     where l.uscc = h.uscc and l.lapsed_from <= h.year_to and l.lapsed_to >= h.year_from) as n_lapses
from holders as h
left join covered as c using (uscc, report_year)
left join {{ ref('int_user_annual_use') }} as u using (uscc, report_year)
left join (select uscc, any_value(region_code) as region_code from {{ ref('int_permit_validity_spans') }} group by uscc) as r
    using (uscc)
