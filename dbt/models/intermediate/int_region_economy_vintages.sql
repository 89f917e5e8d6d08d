-- Every yearbook row matched to its region (by name or alias, among the codes in use that year),
-- with the statistics vintage the deployment's rule applies (docs/deploying.md §10), in order:
--   1. a restatement the office recorded for the year (deployment.restatements: its basis);
--   2. the basis deployment.yml statistics_vintage names, when it names one;
--   3. 'first_published': the latest figures loaded before the year was first published
--      (raw.publications), or the latest loaded if it has not been published yet.
-- A row loaded later than the applied one is a revision: kept, reported by `waterstat status`,
-- and applied only by an explicit restatement.
with regions as (
    select region_code, region_name_zh, short_name_zh, valid_from_year, valid_to_year,
           name_aliases
    from {{ source('deployment', 'regions') }}
),

matched as (
    select r.region_code, e.*
    from {{ ref('stg_raw__economic_statistics') }} as e
    join regions as r
        on (e.region_name_zh in (r.region_name_zh, r.short_name_zh)            -- one of the '|'-separated aliases (a text search: no arrays, the same SQL on both engines)
           or instr('|' || r.name_aliases || '|', '|' || e.region_name_zh || '|') > 0)
       and e.report_year between coalesce(r.valid_from_year, e.report_year) and coalesce(r.valid_to_year, e.report_year)
),

rule as (
    select nullif(replace(value, '"', ''), 'first_published') as rule_basis
    from {{ source('deployment', 'settings') }}
    where key = 'statistics_vintage'
),

first_published as (
    select report_year, min(published_at) as first_published_at
    from {{ source('raw', 'publications') }}
    group by report_year
),

ranked as (
    select
        m.*,
        coalesce(rs.basis, rule.rule_basis) as wanted_basis,
        fp.first_published_at,
        -- rows the rule may use: the named basis, and whatever was loaded before the year was first
        -- published; anything else is a revision that waits for a restatement
        coalesce(m.basis = coalesce(rs.basis, rule.rule_basis), false)
            or fp.first_published_at is null or m.loaded_at <= fp.first_published_at as is_eligible_by_rule,
        row_number() over (
            partition by m.region_code, m.report_year
            order by case when m.basis = coalesce(rs.basis, rule.rule_basis) then 0 else 1 end,
                     case when fp.first_published_at is null or m.loaded_at <= fp.first_published_at then 0 else 1 end,
                     m.loaded_at desc, m.source_file desc
        ) as vintage_rank
    from matched as m
    cross join rule
    left join {{ source('deployment', 'restatements') }} as rs on rs.report_year = m.report_year
    left join first_published as fp on fp.report_year = m.report_year
),

eligible as (
    -- when no row of a year qualifies (its file was replaced in place: a correction), all do
    select *, is_eligible_by_rule or not bool_or(is_eligible_by_rule) over (partition by region_code, report_year)
              as is_eligible
    from ranked
),

applied as (
    select * from eligible where vintage_rank = 1
)

select
    r.region_code,
    r.report_year,
    coalesce(r.basis, '未注明') as basis,
    r.basis_date,
    r.source_file,
    r.source_row_number,
    r.loaded_at,
    r.gdp_100m_yuan,
    r.gdp_index_prev_year_100,
    r.industry_va_100m_yuan,
    r.industry_va_index_prev_year_100,
    r.population_avg_10k,
    r.population_year_end_10k,
    r.population_urban_10k,
    r.population_rural_10k,
    r.irrigated_area_effective_10k_mu,
    r.irrigated_area_actual_10k_mu,
    r.vintage_rank,
    r.is_eligible,
    r.vintage_rank = 1 as is_applied,
    -- a row the rule may not use whose figures differ from the applied ones: a revision not applied
    not r.is_eligible
        and (r.gdp_100m_yuan, r.gdp_index_prev_year_100, r.industry_va_100m_yuan, r.industry_va_index_prev_year_100,
             r.population_avg_10k, r.irrigated_area_actual_10k_mu)
            is distinct from
            (a.gdp_100m_yuan, a.gdp_index_prev_year_100, a.industry_va_100m_yuan, a.industry_va_index_prev_year_100,
             a.population_avg_10k, a.irrigated_area_actual_10k_mu) as is_unapplied_revision
from eligible as r
join applied as a using (region_code, report_year)
