-- Statistics-aware data-quality checks, one row per check × report year, so a failure blocks only
-- the bulletin year it concerns. The failing items come from the dq_*_failures models (one per
-- family of checks); severity and wording from seeds/dq_checks.csv (rule_zh keeps its {rule}
-- placeholders: the DQ report fills them with the values in force, dagster_project/quality/wording.py).
-- An item that came from a file carries the file and row (and the quarantine reasons). `blocking`
-- failures stop that year's bulletin (dagster_project/quality/gate.py).
with failures as (
    -- the columns used here, by name (Spark has no UNION ALL BY NAME); only return and meter items name a file
    {%- for family in ['balance', 'plausibility', 'magnitude', 'return', 'meter'] %}
    select check_name, report_year, region_code, detail,
           {% if family in ['return', 'meter'] %}source_file, source_row, reasons
           {%- else %}null as source_file, null as source_row, null as reasons{% endif %}
    from {{ ref('dq_' ~ family ~ '_failures') }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

years as (
    select distinct report_year from {{ ref('mart_water_use_by_region') }}
),

attributed as (
    -- a failure outside the report years (e.g. a reading dated 2099) is kept under year null
    select check_name, case when report_year in (select report_year from years) then report_year end as report_year,
           region_code, detail, source_file, source_row, reasons
    from failures
),

expected as (
    -- every check is reported for every report year, passing or not, plus once for year null;
    -- {dq_magnitude_factor} in the English description is the rule's value
    select c.check_name, c.severity, c.scope, c.name_zh, c.rule_zh, c.action_zh,
           replace(c.description, '{dq_magnitude_factor}', '{{ var("dq_magnitude_factor") }}') as description,
           y.report_year
    from {{ ref('dq_checks') }} as c
    cross join (select report_year from years union all select null) as y
    where c.scope = 'year' or y.report_year is null
)

select
    e.check_name,
    e.severity,
    e.report_year,
    e.name_zh,
    e.rule_zh,
    e.action_zh,
    e.description,
    count(f.check_name) as n_failing,
    count(f.check_name) = 0 as is_passed,
    {{ array_agg_sorted(make_struct([('region_code', 'f.region_code'), ('detail', 'f.detail'), ('source_file', 'f.source_file'),
                                     ('source_row', 'f.source_row'), ('reasons', 'f.reasons')]),
                        order_by=['f.region_code', 'f.source_file', 'f.source_row', 'f.detail'],
                        where='f.check_name is not null', limit=20) }} as failing_examples
from expected as e
left join attributed as f
    on f.check_name = e.check_name and f.report_year is not distinct from e.report_year
group by all
