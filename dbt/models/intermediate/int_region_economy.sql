-- Yearbook rows matched to region codes by name or alias. A year restated in a later file
-- (preliminary → final GDP) keeps the latest load.
with regions as (
    select region_code, region_name_zh, short_name_zh, string_split(name_aliases, '|') as aliases
    from {{ source('deployment', 'regions') }}
),

matched as (
    select r.region_code, e.*
    from {{ ref('stg_raw__economic_statistics') }} as e
    join regions as r
        on e.region_name_zh in (r.region_name_zh, r.short_name_zh)
        or list_contains(r.aliases, e.region_name_zh)
)

select * exclude (region_name_zh, loaded_at, source_file, source_row_number), source_file
from matched
qualify row_number() over (partition by region_code, report_year order by loaded_at desc, source_file desc) = 1
