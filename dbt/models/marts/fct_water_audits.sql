-- 用水审计 and 水平衡测试 per key user, kind and year: what the ledger (stg_raw__water_audits) records,
-- planned and done, beside what the deployment requires (audit_requirements: a listed user of a
-- level must have one done within cycle_years years, i.e. completed in the year or the cycle_years − 1
-- before). Years: those the ledger holds. A required user with no ledger row still gets a row.
with ledger as (
    select report_year, uscc, kind_zh,
           any_value(user_name) as user_name,
           any_value(region_code) as region_code,
           bool_or(coalesce(is_planned, false)) as is_planned,
           min(completed_on) as completed_on,
           {{ string_agg_sorted("report_no", "'；'", "report_no") }} as report_no
    from {{ ref('stg_raw__water_audits') }}
    group by report_year, uscc, kind_zh
),

years as (
    select distinct report_year from ledger
),

required as (
    select y.report_year, upper(r.uscc) as uscc, q.kind_zh, q.cycle_years
    from years as y
    join {{ source('deployment', 'key_user_register') }} as r
      on y.report_year between coalesce(r.listed_from_year, y.report_year) and coalesce(r.listed_to_year, y.report_year)
    join {{ source('deployment', 'audit_requirements') }} as q using (monitoring_level)
),

keys as (
    select report_year, uscc, kind_zh from ledger
    union
    select report_year, uscc, kind_zh from required
)

select
    k.report_year,
    k.uscc,
    coalesce(reg.user_name_zh, l.user_name) as user_name,
    coalesce(reg.region_code, l.region_code) as region_code,
    reg.monitoring_level,
    k.kind_zh,
    q.uscc is not null as is_required,
    q.cycle_years,
    coalesce(l.is_planned, false) as is_planned,
    l.completed_on,
    l.report_no,
    l.completed_on is not null as is_done,
    q.uscc is not null and exists (
        select 1 from ledger as d
        where d.uscc = k.uscc and d.kind_zh = k.kind_zh
          and year(d.completed_on) between k.report_year - q.cycle_years + 1 and k.report_year
    ) as is_covered,
    case when l.completed_on is not null then '已完成'
         when coalesce(l.is_planned, false) then '计划未完成'
         when q.uscc is null then '未列计划'
         when exists (select 1 from ledger as d
                      where d.uscc = k.uscc and d.kind_zh = k.kind_zh
                        and year(d.completed_on) between k.report_year - q.cycle_years + 1 and k.report_year)
              then '周期内已完成'
         else '应做未安排' end as status_zh
from keys as k
left join ledger as l using (report_year, uscc, kind_zh)
left join required as q using (report_year, uscc, kind_zh)
left join {{ source('deployment', 'key_user_register') }} as reg on upper(reg.uscc) = k.uscc
