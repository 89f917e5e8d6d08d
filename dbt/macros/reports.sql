{#- A report row (alias `g`, from rpt_report_rows) whose code is in use in the figure's year. -#}
{% macro region_in_use(year_col, g='g') -%}
    coalesce({{ g }}.valid_from_year, {{ year_col }}) <= {{ year_col }}
    and coalesce({{ g }}.valid_to_year, {{ year_col }}) >= {{ year_col }}
{%- endmacro %}

{#- The leading columns of every report model: whose table, which year, which row, its label and order. -#}
{% macro report_row_columns(f) -%}
    g.report_unit_code,
    {{ f }}.report_year,
    {{ f }}.region_code,
    g.region_label,
    g.sort_order
{%- endmacro %}

{#- A fact's rows in every table they appear in (alias `g`), in the years their code is in use. -#}
{% macro join_report_rows(f) -%}
join {{ ref('rpt_report_rows') }} as g on g.region_code = {{ f }}.region_code and {{ region_in_use(f ~ '.report_year') }}
{%- endmacro %}
