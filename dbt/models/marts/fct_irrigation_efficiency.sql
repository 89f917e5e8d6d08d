-- 农田灌溉水有效利用系数 by the head–tail method (METHODS §4): sample district η = net/gross;
-- class η = gross-weighted mean over the class's sample districts; region η = class η weighted
-- by the gross irrigation water of ALL districts of the class in the region.
with districts as (
    select
        r.region_code,
        d.report_year,
        d.size_class_zh,
        d.is_sample,
        {{ to_m3('d.gross_water_surface + d.gross_water_ground', 'd.volume_unit') }} as gross_m3,
        {{ to_m3('d.net_water', 'd.volume_unit') }} as net_m3
    from {{ ref('stg_raw__irrigation_returns') }} as d
    join {{ ref('int_region_rollup') }} as r on d.region_code = r.member_region_code
),

classes as (
    select
        region_code,
        report_year,
        size_class_zh,
        sum(gross_m3) as class_gross_m3,
        sum(net_m3) filter (where is_sample) / nullif(sum(gross_m3) filter (where is_sample), 0) as class_coefficient,
        count(*) filter (where is_sample) as n_sample_districts,
        count(*) as n_districts
    from districts
    group by all
)

select
    region_code,
    report_year,
    sum(class_coefficient * class_gross_m3) filter (where class_coefficient is not null)
        / nullif(sum(class_gross_m3) filter (where class_coefficient is not null), 0) as irrigation_coefficient,
    sum(class_gross_m3) as gross_irrigation_m3,
    sum(n_sample_districts) as n_sample_districts,
    sum(n_districts) as n_districts,
    bool_or(class_coefficient is null) as has_class_without_sample
from classes
group by region_code, report_year
