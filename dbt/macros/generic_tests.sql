{# Project generic tests (no dbt hub packages: `dbt deps` cannot run offline). #}

{#- A table's primary key: no two rows share the key, and no key column is null except those named
    in `nullable` (e.g. the year-less row of a global check). Returns the offending key values. -#}
{% test primary_key(model, columns, nullable=[]) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {%- for c in columns if c not in nullable %} or {{ c }} is null{% endfor %}
{% endtest %}

{#- Row-level: the parts add up to the total within an absolute tolerance (same unit). -#}
{% test parts_sum_to_total(model, total_column, part_columns, tolerance=0.5) %}
select *
from {{ model }}
where abs({{ total_column }} - ({% for c in part_columns %}coalesce({{ c }}, 0){% if not loop.last %} + {% endif %}{% endfor %}))
      > {{ tolerance }}
{% endtest %}

{% test not_negative(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}
