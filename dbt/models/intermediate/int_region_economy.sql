-- The economic statistics each indicator uses: one row per region and year, the vintage the
-- deployment's rule applies (int_region_economy_vintages), figure by figure: a figure the applied
-- vintage does not give (a 最终核实 file revises GDP only) comes from the next eligible vintage in the
-- rule's order, so a partial revision never blanks the population, and a row loaded after the year
-- was published never fills in a figure unless a restatement names its basis. The year-average population is
-- derived as the mean of the previous and this year-end when a yearbook gives only year-ends
-- and deployment.yml population_from_year_end is true (METHODS: per-capita indicators use the
-- year-average resident population).
{%- set figures = ['gdp_100m_yuan', 'gdp_index_prev_year_100', 'industry_va_100m_yuan',
                   'industry_va_index_prev_year_100', 'population_avg_10k', 'population_year_end_10k',
                   'population_urban_10k', 'population_rural_10k', 'irrigated_area_effective_10k_mu',
                   'irrigated_area_actual_10k_mu'] %}
with applied as (
    select
        region_code,
        report_year,
        min_by(basis, vintage_rank) as basis,
        min_by(basis_date, vintage_rank) as basis_date,
        min_by(source_file, vintage_rank) as source_file,
        {%- for f in figures %}
        min_by({{ f }}, vintage_rank) filter (where {{ f }} is not null) as {{ f }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_region_economy_vintages') }}
    where is_eligible
    group by region_code, report_year
),

rule as (
    select value = 'true' as population_from_year_end
    from {{ source('deployment', 'settings') }}
    where key = 'population_from_year_end'
),

with_previous as (
    select
        a.*,
        lag(a.report_year) over by_region as previous_year,
        lag(a.population_year_end_10k) over by_region as previous_year_end_10k
    from applied as a
    window by_region as (partition by a.region_code order by a.report_year)
)

select
    w.region_code,
    w.report_year,
    w.basis,
    w.basis_date,
    w.gdp_100m_yuan,
    w.gdp_index_prev_year_100,
    w.industry_va_100m_yuan,
    w.industry_va_index_prev_year_100,
    coalesce(
        w.population_avg_10k,
        case when rule.population_from_year_end and w.previous_year = w.report_year - 1
             then (w.previous_year_end_10k + w.population_year_end_10k) / 2 end
    ) as population_avg_10k,
    w.population_year_end_10k,
    w.population_urban_10k,
    w.population_rural_10k,
    w.irrigated_area_effective_10k_mu,
    w.irrigated_area_actual_10k_mu,
    w.source_file
from with_previous as w
cross join rule
