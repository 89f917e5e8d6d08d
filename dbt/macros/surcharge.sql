{#- The progressive surcharge (累进加价, METHODS §7.2) of a use Q over an allowance A (a plan, or a
    quota × output), over the deployment's tiers of one basis (surcharge_tiers.csv): tier i covers
    the excess fraction (a_i, b_i] of A at k_i times the price p:
        V_i = clamp(Q − A × (1 + a_i), 0, A × (b_i − a_i));  surcharge = Σ_i V_i × p × k_i.
    Use: `cross join {{ surcharge_tiers('quota') }} as t`, then tiered_surcharge_sum(...) grouped by
    the row's key. -#}
{% macro surcharge_tiers(basis) -%}
    (select * from {{ source('deployment', 'surcharge_tiers') }} where coalesce(basis, 'plan') = '{{ basis }}')
{%- endmacro %}

{% macro tiered_surcharge_sum(use, allowance, price, tiers='t') -%}
    {{ exact_sum("greatest(least(" ~ use ~ " - " ~ allowance ~ " * (1 + " ~ tiers ~ ".lower_excess_pct / 100), "
                 ~ allowance ~ " * (" ~ tiers ~ ".upper_excess_pct - " ~ tiers ~ ".lower_excess_pct) / 100), 0) * "
                 ~ price ~ " * " ~ tiers ~ ".surcharge_multiple") }}
{%- endmacro %}
