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

{#- A target as the office states it and the tables print it: ≤ or ≥ and the number, a whole number
    without a trailing '.0' ('≥100', '≤40.08'). Both engines print other doubles alike below 10^7. -#}
{% macro target_text(direction, value) -%}
    case {{ direction }} when '<=' then '≤' else '≥' end
    || case when {{ value }} = floor({{ value }}) and abs({{ value }}) < 1e15
            then cast(cast({{ value }} as bigint) as string)
            else cast({{ value }} as string) end
{%- endmacro %}
