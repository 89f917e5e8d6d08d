-- One row per compliance finding for follow-up: withdrawal beyond the permit, an expired or
-- cancelled permit still drawing water, a station with no permit, use beyond the plan.
select 'over_permit' as finding_code, '超许可取水' as finding_zh, report_year, region_code, uscc,
       null as station_code,
       printf('取水 %.0f m³，许可 %.0f m³ (%.1f%%)', self_supplied_m3, permitted_m3, use_of_permit_pct) as detail_zh
from {{ ref('fct_permit_compliance') }}
where is_over_permit
union all
select 'no_valid_permit', '许可证过期或注销仍在取水', cast(year(volume_date) as integer), region_code, uscc, station_code,
       printf('%s 取水 %.0f m³，许可证 %s 已不在有效期', min(volume_date), {{ exact_sum("volume_m3") }}, any_value(permit_no))
from {{ ref('fct_meter_daily_withdrawal') }}
where has_permit and not has_valid_permit and volume_m3 > 0
group by all
union all
select 'station_without_permit', '监测站点无对应取水许可', cast(year(volume_date) as integer), region_code, null, station_code,
       printf('取水口 %s 无许可记录，监测取水 %.0f m³', any_value(intake_code), {{ exact_sum("volume_m3") }})
from {{ ref('fct_meter_daily_withdrawal') }}
where not has_permit
group by all
union all
select 'over_plan', '超计划用水', report_year, region_code, uscc, null,
       printf('用水 %.0f m³，计划 %.0f m³ (%.1f%%)，累进加价 %.0f 元', use_m3, plan_m3, use_of_plan_pct, surcharge_yuan)
from {{ ref('fct_plan_compliance') }}
where plan_status_code = 'over_plan'
