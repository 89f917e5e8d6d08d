-- Statistical disclosure control for the published volume cells: for each region, year and cell
-- (the total, a sector, a sub-sector, a water source), how many reporting units make it up and the
-- largest unit's share. Parts that are already aggregates of many users — county summaries,
-- extrapolations, and public suppliers' sales to households and services — reveal no single unit.
-- A cell made only of unit data is suppressed when it has fewer than disclosure_min_units units or
-- one unit dominates it.
with parts as (
    select
        r.region_code,
        c.report_year,
        c.reporting_unit_id,
        c.origin in ('county_summary_returns', 'supply_returns') or c.reporting_unit_id = 'extrapolated'
            as is_aggregate,
        cell.cell_code,
        c.volume_m3
    from {{ ref('int_water_use_components') }} as c
    join {{ ref('int_region_rollup') }} as r on c.region_code = r.member_region_code
    cross join lateral (
        select 'total' as cell_code
        union all select c.sector_code
        union all select c.sub_sector_code
        union all select c.source_type
    ) as cell
),

units as (
    select region_code, report_year, cell_code, reporting_unit_id, bool_or(is_aggregate) as is_aggregate,
           {{ exact_sum("volume_m3") }} as volume_m3
    from parts
    group by all
),

cells as (
    select
        region_code,
        report_year,
        cell_code,
        count(*) filter (where not is_aggregate) as n_units,
        bool_or(is_aggregate) as has_aggregate_part,
        max(volume_m3) filter (where not is_aggregate) / nullif({{ exact_sum("volume_m3") }}, 0) * 100 as top_unit_share_pct,
        {{ exact_sum("volume_m3") }} as volume_m3
    from units
    group by all
)

select
    *,
    not has_aggregate_part
        and (n_units < {{ var('disclosure_min_units') }}
             or top_unit_share_pct > {{ var('disclosure_max_top_share_pct') }}) as is_suppressed
from cells
