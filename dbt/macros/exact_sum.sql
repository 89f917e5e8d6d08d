{#- A sum of doubles that every run computes to the same bits. A parallel float sum depends on the
    order rows arrive in (a join's output order varies with its threads), so its last bits drift
    from run to run; a ratio of two such sums (a decline, a share) carries the drift into the 14th
    digit, and the published bundle's hash and the rebuild-idempotence checks see a changed figure.
    Each term is cast to decimal(38, 10) -- exact to 1e-10 of its unit, room for 10^28 -- and a
    decimal sum is exact whatever the order. Pass `where` for an aggregate FILTER clause. -#}
{% macro exact_sum(expression, where=none) -%}
    {{ return(adapter.dispatch('exact_sum', 'waterstat')(expression, where)) }}
{%- endmacro %}

{% macro default__exact_sum(expression, where=none) -%}
    cast(sum(cast({{ expression }} as decimal(38, 10))){% if where %} filter (where {{ where }}){% endif %} as double)
{%- endmacro %}

{#- Spark: the same sum to the same bits as DuckDB's, so that a figure printed in full (a JSON
    object) reads the same. DuckDB casts a double x to decimal(38, 10) as x × 1e10 in double,
    rounded half away from zero; Spark's cast rounds x's shortest decimal, which differs in the
    last unit now and then, and the ratio of two sums in the last bit. So each term is that
    integer (exact: upper and lower 32 bits as decimals), the sum of integers is exact, and the
    double is the sum × 1e-10 correctly rounded (Java's parsing; DuckDB's cast rounds correctly
    below 2^64 × 1e-10 ≈ 1.8e9 of the unit, and may differ in the last bit above). -#}
{% macro spark__exact_sum(expression, where=none) -%}
    {%- set v = 'round((' ~ expression ~ ') * 1e10)' -%}
    {%- set hi = 'floor(' ~ v ~ ' / 4294967296e0)' -%}
    cast(concat(cast(sum(cast({{ hi }} as decimal(38, 0)) * 4294967296
                         + cast(cast({{ v }} - {{ hi }} * 4294967296e0 as bigint) as decimal(38, 0)))
                     {%- if where %} filter (where {{ where }}){% endif %} as string), 'e-10') as double)
{%- endmacro %}
