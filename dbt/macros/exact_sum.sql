{#- A sum of doubles that every run computes to the same bits. A parallel float sum depends on the
    order rows arrive in (a join's output order varies with its threads), so its last bits drift
    from run to run; a ratio of two such sums (a decline, a share) carries the drift into the 14th
    digit, and the published bundle's hash and the rebuild-idempotence checks see a changed figure.
    Each term is cast to decimal(38, 10) -- exact to 1e-10 of its unit, room for 10^28 -- and a
    decimal sum is exact whatever the order. Pass `where` for an aggregate FILTER clause. -#}
{% macro exact_sum(expression, where=none) -%}
    cast(sum(cast({{ expression }} as decimal(38, 10))){% if where %} filter (where {{ where }}){% endif %} as double)
{%- endmacro %}
