{#- A report row (alias `g`, from rpt_report_rows) whose code is in use in the figure's year. -#}
{% macro region_in_use(year_col, g='g') -%}
    coalesce({{ g }}.valid_from_year, {{ year_col }}) <= {{ year_col }}
    and coalesce({{ g }}.valid_to_year, {{ year_col }}) >= {{ year_col }}
{%- endmacro %}
