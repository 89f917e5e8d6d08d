-- What the carrying-capacity status means for each pending permit application (取水许可申请): the
-- status that applies is the worse of the total-use status and, for a groundwater application, the
-- groundwater status, of the application's region and every region it rolls up to, in the latest
-- evaluated year up to the application's; the deployment's rule carrying_capacity_consequences maps
-- it to 禁批 / 限批 (a status it does not list: no consequence). Pending: rule
-- permit_application_pending_statuses.
with pending as (
    select *
    from {{ ref('stg_raw__permit_applications') }}
    where status_zh in (
        {%- for s in var('permit_application_pending_statuses') %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor -%}
    )
),

evaluations as (
    select
        p.application_no,
        c.report_year,
        max({{ status_rank('c.total_use_status_zh') }}) as total_use_rank,
        max({{ status_rank('c.groundwater_status_zh') }}) as groundwater_rank
    from pending as p
    join {{ source('deployment', 'region_ancestors') }} as a on a.member_region_code = p.region_code
    join {{ ref('fct_carrying_capacity') }} as c
        on c.region_code = a.region_code and c.report_year <= year(p.applied_on)
    group by p.application_no, c.report_year
    qualify c.report_year = max(c.report_year) over (partition by p.application_no)
),

applied as (
    select
        p.*,
        e.report_year as evaluation_year,
        {{ status_of_rank('e.total_use_rank') }} as total_use_status_zh,
        {{ status_of_rank('e.groundwater_rank') }} as groundwater_status_zh,
        {{ status_of_rank("greatest(e.total_use_rank, case when p.water_source_zh = '地下水' then e.groundwater_rank end)") }}
            as applicable_status_zh
    from pending as p
    left join evaluations as e using (application_no)
)

select
    application_no,
    applicant_name,
    uscc,
    region_code,
    water_source_zh,
    applied_m3,
    applied_on,
    status_zh,
    evaluation_year,
    total_use_status_zh,
    groundwater_status_zh,
    applicable_status_zh,
    case
        when false then cast(null as string)  -- the rule may list no status at all
        {%- for status, consequence in var('carrying_capacity_consequences').items() %}
        when applicable_status_zh = '{{ status }}' then '{{ consequence }}'
        {%- endfor %}
    end as consequence_zh,
    consequence_zh is not null as is_restricted
from applied
