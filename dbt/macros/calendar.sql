{#- Days in a report year: for L/(人·d) as var days_in_year_rule says (calendar | fixed_365); pass
    rule='calendar' for the calendar's own days (e.g. the share of a year some data covers). -#}
{% macro days_in_year(year_col, rule=none) -%}
    {%- if (rule or var('days_in_year_rule')) == 'fixed_365' -%} 365
    {%- else -%} (case when ({{ year_col }} % 4 = 0 and {{ year_col }} % 100 <> 0) or {{ year_col }} % 400 = 0
                       then 366 else 365 end)
    {%- endif -%}
{%- endmacro %}
