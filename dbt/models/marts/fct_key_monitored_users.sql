-- 重点监控用水单位 candidates per year: users whose annual use reaches the national threshold
-- (≥ 50万m³) or the local one (var key_user_local_threshold_m3) (METHODS §7.3).
select
    report_year,
    uscc,
    user_name,
    region_code,
    user_type,
    total_use_m3,
    case when total_use_m3 >= {{ var('key_user_national_threshold_m3') }} then '国家级'
         else '地方级' end as monitoring_level_zh,
    total_use_m3 >= 100000 as needs_water_manager  -- >10万m³/a must appoint a 水务经理 (S72)
from {{ ref('int_user_annual_use') }}
where total_use_m3 >= {{ var('key_user_local_threshold_m3') }}
