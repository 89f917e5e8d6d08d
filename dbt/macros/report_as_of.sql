{#- The day a report year's tasks and corrections are judged on: the deployment's report_as_of_dates
    row for the year, else 31 December of the year. -#}
{% macro report_as_of(year_expr) -%}
    coalesce((select d.as_of_date from {{ source('deployment', 'report_as_of_dates') }} as d
              where d.report_year = {{ year_expr }}), make_date({{ year_expr }}, 12, 31))
{%- endmacro %}
