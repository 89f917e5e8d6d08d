-- One row per region (every level of the register) and year: use by sector and by source, in m³
-- (0 where a region has none of a sector or source). Where a member reported only a summary, part
-- of its use may have no sector or no source (unspecified_*_m3), or a sector with no sub-sectors:
-- the has_*_split flags say which breakdowns are complete, so a partial sum is never read as whole.
with use_ as (
    select r.region_code, f.report_year, f.sector_code, f.sub_sector_code, f.source_type, f.method, f.volume_m3
    from {{ ref('fct_water_use') }} as f
    join {{ ref('int_region_rollup') }} as r on f.region_code = r.member_region_code
)

select
    region_code,
    report_year,
    {{ exact_sum("volume_m3") }} as total_m3,
    coalesce({{ exact_sum("volume_m3", where="sector_code = 'agriculture'") }}, 0) as agriculture_m3,
    coalesce({{ exact_sum("volume_m3", where="sub_sector_code = 'farmland_irrigation'") }}, 0) as farmland_irrigation_m3,
    coalesce({{ exact_sum("volume_m3", where="sector_code = 'industry'") }}, 0) as industry_m3,
    coalesce({{ exact_sum("volume_m3", where="sub_sector_code = 'once_through_cooling'") }}, 0)
        as once_through_cooling_m3,
    coalesce({{ exact_sum("volume_m3", where="sector_code = 'domestic'") }}, 0) as domestic_m3,
    coalesce({{ exact_sum("volume_m3", where="sub_sector_code like 'residential%'") }}, 0) as residential_m3,
    coalesce({{ exact_sum("volume_m3", where="sub_sector_code = 'residential_urban'") }}, 0) as residential_urban_m3,
    coalesce({{ exact_sum("volume_m3", where="sub_sector_code = 'residential_rural'") }}, 0) as residential_rural_m3,
    coalesce({{ exact_sum("volume_m3", where="sub_sector_code = 'public'") }}, 0) as public_m3,
    coalesce({{ exact_sum("volume_m3", where="sector_code = 'ecological'") }}, 0) as ecological_m3,
    coalesce({{ exact_sum("volume_m3", where="source_type = 'surface'") }}, 0) as surface_m3,
    coalesce({{ exact_sum("volume_m3", where="source_type = 'ground'") }}, 0) as ground_m3,
    coalesce({{ exact_sum("volume_m3", where="source_type = 'unconventional'") }}, 0) as unconventional_m3,
    coalesce({{ exact_sum("volume_m3", where="sector_code = 'unspecified'") }}, 0) as unspecified_sector_m3,
    coalesce({{ exact_sum("volume_m3", where="source_type = 'unspecified'") }}, 0) as unspecified_source_m3,
    count(*) filter (where sector_code = 'unspecified') = 0 as has_sector_split,
    count(*) filter (where source_type = 'unspecified') = 0 as has_source_split,
    count(*) filter (where sub_sector_code = 'agriculture_unspecified') = 0 as has_agriculture_split,
    count(*) filter (where sub_sector_code = 'industry_unspecified') = 0 as has_industry_split,
    count(*) filter (where sub_sector_code = 'domestic_unspecified') = 0 as has_domestic_split,
    count(*) filter (where sub_sector_code = 'residential_unspecified') = 0 as has_residential_split,
    coalesce({{ exact_sum("volume_m3", where="method = 'metered'") }}, 0) as metered_m3,
    coalesce({{ exact_sum("volume_m3", where="method = 'enumerated_report'") }}, 0) as enumerated_report_m3,
    coalesce({{ exact_sum("volume_m3", where="method = 'sample_extrapolated'") }}, 0) as sample_extrapolated_m3,
    coalesce({{ exact_sum("volume_m3", where="method in ('quota_estimated', 'reported')") }}, 0) as estimated_or_reported_m3
from use_
group by region_code, report_year
