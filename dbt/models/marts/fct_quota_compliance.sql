-- Unit water use against the quota (用水定额) per user, product and year: the user's output of a
-- product (stg_raw__user_output) against the quota of the judged level (var quota_judged_level) in
-- force that year (deployment water_quotas), and the progressive over-quota surcharge (超定额累进加价)
-- over the quota-basis tiers (macros/surcharge.sql) at the price of the quota's sector.
-- Water use: the product's own when the ledger gives it, else the user's whole use when it makes one
-- product: an industrial or public-supply user's new water (int_user_annual_use), an irrigation
-- district's gross irrigation water (its return).
{% set prices = var('quota_surcharge_price_yuan_per_m3') %}
with output as (
    select report_year, user_code, product_code,
           any_value(user_name) as user_name,
           any_value(region_code) as region_code,
           {{ exact_sum("output") }} as output,
           case when count(product_water_m3) > 0 then {{ exact_sum("product_water_m3") }} end as product_water_m3
    from {{ ref('stg_raw__user_output') }}
    group by report_year, user_code, product_code
),

user_use as (
    select report_year, user_code, {{ exact_sum("use_m3") }} as use_m3
    from (select report_year, uscc as user_code, total_use_m3 as use_m3 from {{ ref('int_user_annual_use') }}
          union all
          select report_year, upper(district_code), gross_water_surface_m3 + gross_water_ground_m3
          from {{ ref('stg_raw__irrigation_returns') }})
    group by all
),

judged as (
    select
        o.*,
        q.product_name_zh,
        q.sector,
        q.output_unit_zh,
        q.quota_m3_per_unit,
        q.edition_zh,
        coalesce(o.product_water_m3,
                 case when count(*) over (partition by o.report_year, o.user_code) = 1 then u.use_m3 end) as use_m3,
        q.quota_m3_per_unit * o.output as allowed_m3,
        cast(case q.sector {% for sector, price in prices.items() %}when '{{ sector }}' then {{ price }} {% endfor %}end
             as double) as surcharge_price_yuan_per_m3
    from output as o
    left join user_use as u using (report_year, user_code)
    left join {{ source('deployment', 'water_quotas') }} as q
      on q.product_code = o.product_code and q.quota_level_zh = '{{ var("quota_judged_level") }}'
     and o.report_year between q.valid_from_year and coalesce(q.valid_to_year, o.report_year)
),

surcharges as (
    select j.report_year, j.user_code, j.product_code,
           {{ tiered_surcharge_sum('j.use_m3', 'j.allowed_m3', 'j.surcharge_price_yuan_per_m3') }} as surcharge_yuan
    from judged as j
    cross join {{ surcharge_tiers('quota') }} as t
    where j.use_m3 is not null and j.allowed_m3 > 0
    group by all
)

select
    j.report_year,
    j.user_code,
    j.user_name,
    j.region_code,
    j.product_code,
    j.product_name_zh,
    j.sector,
    j.output,
    j.output_unit_zh,
    j.use_m3,
    j.use_m3 / nullif(j.output, 0) as unit_use_m3,
    j.quota_m3_per_unit,
    j.edition_zh,
    j.allowed_m3,
    case when j.allowed_m3 > 0 then j.use_m3 > j.allowed_m3 end as is_over_quota,
    -- greatest() skips a null: no use, no excess
    case when j.allowed_m3 > 0 and j.use_m3 is not null then greatest(j.use_m3 - j.allowed_m3, 0) end as excess_m3,
    j.surcharge_price_yuan_per_m3,
    case when j.allowed_m3 > 0 and j.use_m3 is not null then coalesce(s.surcharge_yuan, 0) end as surcharge_yuan,
    case when j.quota_m3_per_unit is null then '无适用定额'
         when j.use_m3 is null then '无用水量'
         when not j.allowed_m3 > 0 then '无产量'
         when j.use_m3 > j.allowed_m3 then '超定额'
         else '未超定额' end as quota_status_zh
from judged as j
left join surcharges as s using (report_year, user_code, product_code)
