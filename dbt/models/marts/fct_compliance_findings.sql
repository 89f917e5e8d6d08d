-- One row per compliance finding for follow-up: withdrawal beyond the permit, an expired or
-- cancelled permit still drawing water, a station with no permit, use beyond the plan.
select 'over_permit' as finding_code, '超许可取水' as finding_zh, report_year, region_code, uscc,
       null as station_code,
       printf('取水 %s m³，许可 %s m³ (%s%%)', {{ fixed_decimals('self_supplied_m3', 0) }}, {{ fixed_decimals('permitted_m3', 0) }},
              {{ fixed_decimals('use_of_permit_pct', 1) }}) as detail_zh
from {{ ref('fct_permit_compliance') }}
where is_over_permit
union all
select 'no_valid_permit', '许可证过期或注销仍在取水', cast(year(volume_date) as integer), region_code, uscc, station_code,
       printf('%s 取水 %s m³，许可证 %s 已不在有效期', cast(min(volume_date) as string),
              {{ fixed_decimals(exact_sum("volume_m3"), 0) }}, any_value(permit_no))
from {{ ref('fct_meter_daily_withdrawal') }}
where has_permit and not has_valid_permit and volume_m3 > 0
group by all
union all
select 'station_without_permit', '监测站点无对应取水许可', cast(year(volume_date) as integer), region_code, null, station_code,
       printf('取水口 %s 无许可记录，监测取水 %s m³', any_value(intake_code), {{ fixed_decimals(exact_sum("volume_m3"), 0) }})
from {{ ref('fct_meter_daily_withdrawal') }}
where not has_permit
group by all
union all
select 'over_plan', '超计划用水', report_year, region_code, uscc, null,
       printf('用水 %s m³，计划 %s m³ (%s%%)，累进加价 %s 元', {{ fixed_decimals('use_m3', 0) }}, {{ fixed_decimals('plan_m3', 0) }},
              {{ fixed_decimals('use_of_plan_pct', 1) }}, {{ fixed_decimals('surcharge_yuan', 0) }})
from {{ ref('fct_plan_compliance') }}
where plan_status_code = 'over_plan'
