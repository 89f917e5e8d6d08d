-- Metered daily withdrawal per monitoring station, with its permit (if any) for compliance: the
-- intake's permit from the register, valid on the day if any of its validity spans covers the day.
with permits as (
    select * from {{ ref('int_permit_intakes') }}
    qualify row_number() over (partition by intake_code order by valid_from desc) = 1
)

select
    d.station_code,
    d.volume_date,
    d.intake_code,
    p.permit_no,
    p.uscc,
    coalesce(p.region_code, left(d.intake_code, 6)) as region_code,
    d.volume_m3,
    d.n_intervals,
    d.is_complete_day,
    d.has_gap,
    d.has_reset,
    d.has_rollover,
    d.has_spike,
    d.n_negative_increments,
    d.n_stuck_intervals,
    cast(d.n_duplicate_readings as bigint) as n_duplicate_readings,  -- a sum of counts: hugeint in DuckDB
    d.n_outlier_readings,
    d.n_files_for_day,
    p.permit_no is not null as has_permit,
    -- judged against every validity the permit had (int_permit_validity_spans), day by day
    p.permit_no is not null and exists (select 1 from {{ ref('int_permit_validity_spans') }} as s
                                        where s.permit_no = p.permit_no
                                          and d.volume_date between s.valid_from and s.valid_to) as has_valid_permit
from {{ ref('int_meter_daily_volumes') }} as d
left join permits as p on d.intake_code = p.intake_code
