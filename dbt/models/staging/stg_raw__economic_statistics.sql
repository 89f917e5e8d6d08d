select
    trim(region_name)                                       as region_name_zh,
    {{ to_int('report_year') }}                             as report_year,
    {{ to_number('gdp_100m_yuan') }}                        as gdp_100m_yuan,
    {{ to_number('gdp_index_prev_year_100') }}              as gdp_index_prev_year_100,
    {{ to_number('industry_va_100m_yuan') }}                as industry_va_100m_yuan,
    {{ to_number('industry_va_index_prev_year_100') }}      as industry_va_index_prev_year_100,
    {{ to_number('population_avg_10k') }}                   as population_avg_10k,
    {{ to_number('population_year_end_10k') }}              as population_year_end_10k,
    {{ to_number('population_urban_10k') }}                 as population_urban_10k,
    {{ to_number('population_rural_10k') }}                 as population_rural_10k,
    {{ to_number('irrigated_area_effective_10k_mu') }}      as irrigated_area_effective_10k_mu,
    {{ to_number('irrigated_area_actual_10k_mu') }}         as irrigated_area_actual_10k_mu,
    nullif(trim(basis), '')                                 as basis,
    {{ to_date('basis_date') }}                             as basis_date,
    _source_file                                            as source_file,
    _source_row_number                                      as source_row_number,
    _loaded_at                                              as loaded_at
from {{ source('raw', 'economic_statistics') }}
