-- Permits to renew: in force on the report date (rule permit_expiry_report_date; empty: 31 December of
-- the latest year with returns) with a validity ending within permit_expiry_window_months after it and
-- no later validity granted yet (取水许可延续 must be applied for before the permit expires).
with report_date as (
    select coalesce(nullif('{{ var("permit_expiry_report_date") }}', '')::date,
                    (select make_date(max(report_year), 12, 31) from {{ ref('int_user_annual_use') }})) as report_date
),

holders as (
    select permit_no, max_by(holder_name, valid_from) as holder_name
    from (select permit_no, holder_name, valid_from from {{ ref('stg_raw__permits') }}
          union all
          select permit_no, holder_name, valid_from from {{ ref('stg_raw__permit_events') }})
    group by permit_no
)

select
    s.permit_no,
    h.holder_name,
    s.uscc,
    s.region_code,
    s.valid_from,
    s.valid_to,
    d.report_date,
    cast({{ days_between('d.report_date', 's.valid_to') }} as integer) as days_to_expiry,
    s.permitted_volume_m3
from {{ ref('int_permit_validity_spans') }} as s
cross join report_date as d
left join holders as h using (permit_no)
where d.report_date between s.valid_from and s.valid_to
  and s.valid_to <= d.report_date + interval '{{ var('permit_expiry_window_months') }}' month
  and not exists (select 1 from {{ ref('int_permit_validity_spans') }} as later
                  where later.permit_no = s.permit_no and later.valid_to > s.valid_to)
