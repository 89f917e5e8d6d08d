{#- Carrying-capacity status of a use against its control (national technical outline): above the
    control 超载, from critical_ratio × control up to it 临界超载, below 不超载; null without a control
    or a use. The ratio is the deployment's rule carrying_capacity_critical_ratio. -#}
{% macro load_status(use_col, control_col) -%}
    case
        when {{ use_col }} is null or {{ control_col }} is null then null
        when {{ use_col }} > {{ control_col }} then '超载'
        when {{ use_col }} >= {{ var('carrying_capacity_critical_ratio') }} * {{ control_col }} then '临界超载'
        else '不超载'
    end
{%- endmacro %}

{#- 3 超载, 2 临界超载, 1 不超载, null unevaluated: the worse of two statuses is the greater rank. -#}
{% macro status_rank(status_col) -%}
    case {{ status_col }} when '超载' then 3 when '临界超载' then 2 when '不超载' then 1 end
{%- endmacro %}

{% macro status_of_rank(rank_col) -%}
    case {{ rank_col }} when 3 then '超载' when 2 then '临界超载' when 1 then '不超载' end
{%- endmacro %}
