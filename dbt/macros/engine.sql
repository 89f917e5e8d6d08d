{#- What differs between the engines the project runs on (docs/engines.md): DuckDB by default,
    Spark with WATERSTAT_ENGINE=spark. -#}

{#- The landed raw and deployment tables. On DuckDB the loader writes them into the build file dbt
    builds in. On Spark they are Parquet in the lake (dagster_project/engines/lake.py), read where
    they lie: a source is the path of its files, so no metastore holds them and each run reads what
    the loader landed last (registering 70 tables in the metastore cost ~40 s a call). -#}
{% macro source(source_name, table_name) %}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- if target.type == 'spark' -%}
        {%- do return('parquet.`' ~ env_var('WATERSTAT_LAKE', '../warehouse/build/lake') ~ '/landed/' ~ relation.schema ~ '/' ~ relation.identifier ~ '`') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{% endmacro %}

{#- The ws_* parsing functions (macros/ws_functions.sql) on each engine: DuckDB's from their one
    definition there, which the loader renders too; Spark's the same rules as Spark SQL functions. -#}
{% macro create_ws_functions() %}{{ return(adapter.dispatch('create_ws_functions', 'waterstat')()) }}{% endmacro %}

{% macro default__create_ws_functions() %}{{ ws_functions_sql() }}{% endmacro %}

{% macro spark__create_ws_functions() %}
    {%- set functions = {
        'ws_ascii(x string) returns string':
            "case when octet_length(x) = char_length(x) then x
                  else translate(x, '０１２３４５６７８９．，：－＋／　', '0123456789.,:-+/ ') end",
        'ws_parse_number(x string) returns double':
            "try_cast(replace(nullif(trim(ws_ascii(x)), ''), ',', '') as double)",
        'ws_parse_int(x string) returns int':
            "try_cast(round(ws_parse_number(x)) as int)",
        'ws_parse_date(x string) returns date':
            "coalesce(try_cast(left(trim(x), 10) as date), try_to_date(trim(x), 'yyyy/M/d'),
                      try_to_date(trim(x), 'yyyy年M月d日'), try_to_date(trim(x), 'yyyyMMdd'))",
        'ws_parse_cst_timestamp(x string) returns timestamp_ntz':
            "case when not contains(x, ':') then null
                  else cast(try_cast(trim(ws_ascii(x)) as timestamp) as timestamp_ntz) end",
        'ws_parse_flag(x string) returns boolean':
            "case when trim(x) in ('是', 'Y', 'y', '1', 'true', 'TRUE') then true
                  when trim(x) in ('否', 'N', 'n', '0', 'false', 'FALSE') then false end",
        'ws_volume_unit(x string) returns string':
            "case replace(replace(replace(lower(trim(coalesce(x, 'm³'))), '立方米', 'm³'), 'm3', 'm³'), ' ', '')
                  when '万m³' then '万m³' when '亿m³' then '亿m³' when 'm³' then 'm³' end",
        'ws_is_valid_uscc(x string) returns boolean':
            "coalesce(length(x) = 18 and x rlike '^[0-9A-HJ-NPQRTUWXY]{18}$'
                and substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
                    pmod(31 - pmod(aggregate(sequence(0, 16), 0, (acc, i) ->
                        acc + (instr('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(x, i + 1, 1)) - 1)
                        * element_at(array(1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), i + 1)), 31), 31) + 1, 1)
                    = substr(x, 18, 1), false)",
    } -%}
    {%- do functions.update(printf_functions()) -%}  {#- printf as DuckDB writes figures (reports and quality) -#}
    {%- if execute -%}
    {%- for signature, body in functions.items() -%}
        {%- do run_query('create or replace function ' ~ signature ~ ' return ' ~ body) -%}
    {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- Seeds on Spark: dbt-spark's loader formats its bindings as text in session mode, so an empty
    cell arrives as the string 'None' and an apostrophe ends the literal. Each value is written
    here as a literal of its own: an empty cell is null, quotes and backslashes escaped. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- if value is none -%}cast(null as {{ types[loop.index0] }})
                    {%- else -%}cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ types[loop.index0] }})
                    {%- endif -%}{%- if not loop.last -%}, {% endif -%}
                {%- endfor -%}){%- if not loop.last -%},{%- endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- string_agg in a given order (an aggregate; by the values themselves when no order is given):
    DuckDB's ORDER BY inside the call, Spark's WITHIN GROUP; distinct=true: each value once. -#}
{% macro string_agg_sorted(expr, sep, order_by=none, distinct=false) %}
    {{- return(adapter.dispatch('string_agg_sorted', 'waterstat')(expr, sep, order_by, distinct)) -}}
{% endmacro %}
{% macro default__string_agg_sorted(expr, sep, order_by, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expr }}, {{ sep }} order by {{ order_by or expr }})
{%- endmacro %}
{% macro spark__string_agg_sorted(expr, sep, order_by, distinct) -%}
    {%- if distinct and order_by -%}
        {{ exceptions.raise_compiler_error("string_agg_sorted: distinct values are sorted by themselves; no order_by") }}
    {%- elif distinct -%}
    {#- listagg(distinct …) within group fails inside Spark 4.3's planner (ClassCastException) -#}
    case when count({{ expr }}) > 0 then array_join(array_sort(collect_set({{ expr }})), {{ sep }}) end
    {%- else -%}
    listagg({{ expr }}, {{ sep }}) within group (order by {{ order_by or expr }})
    {%- endif -%}
{%- endmacro %}

{#- ── Staging and intermediate models (helper stg) ─────────────────────────────────────────── -#}

{#- A FROM item with one row per element of an array: `cross join {{ unnest_rows(a) }} as t(col)`
    (a null or empty array gives no row on both engines). -#}
{% macro unnest_rows(array_expr) %}{{ return(adapter.dispatch('unnest_rows', 'waterstat')(array_expr)) }}{% endmacro %}
{% macro default__unnest_rows(array_expr) %}unnest({{ array_expr }}){% endmacro %}
{% macro spark__unnest_rows(array_expr) %}lateral explode({{ array_expr }}){% endmacro %}

{#- The integers start … stop, both included, as an array (empty when stop < start: Spark's
    sequence would count down). -#}
{% macro int_range(start, stop) %}{{ return(adapter.dispatch('int_range', 'waterstat')(start, stop)) }}{% endmacro %}
{% macro default__int_range(start, stop) %}range({{ start }}, {{ stop }} + 1){% endmacro %}
{% macro spark__int_range(start, stop) %}if({{ start }} <= {{ stop }}, sequence(cast({{ start }} as bigint), cast({{ stop }} as bigint)), array()){% endmacro %}

{#- The midnight of each day from timestamp a's day to timestamp b's day, as an array of timestamps. -#}
{% macro day_starts_between(a, b) %}{{ return(adapter.dispatch('day_starts_between', 'waterstat')(a, b)) }}{% endmacro %}
{% macro default__day_starts_between(a, b) %}generate_series(date_trunc('day', {{ a }}), date_trunc('day', {{ b }}), interval 1 day){% endmacro %}
{% macro spark__day_starts_between(a, b) %}sequence(cast(cast({{ a }} as date) as timestamp_ntz), cast(cast({{ b }} as date) as timestamp_ntz), interval 1 day){% endmacro %}

{#- A 64-bit hash of a value (a key to count or compare by where the value itself is wide). -#}
{% macro hash64(expr) %}{{ return(adapter.dispatch('hash64', 'waterstat')(expr)) }}{% endmacro %}
{% macro default__hash64(expr) %}hash({{ expr }}){% endmacro %}
{% macro spark__hash64(expr) %}xxhash64({{ expr }}){% endmacro %}

{#- Seconds from timestamp a to timestamp b, as a double (fractions kept). -#}
{% macro seconds_between(a, b) %}{{ return(adapter.dispatch('seconds_between', 'waterstat')(a, b)) }}{% endmacro %}
{% macro default__seconds_between(a, b) %}epoch({{ b }} - {{ a }}){% endmacro %}
{% macro spark__seconds_between(a, b) %}(timestampdiff(MICROSECOND, {{ a }}, {{ b }}) / 1e6){% endmacro %}

{#- Text split on a regular expression, as an array. `pattern` is the bare regex (not a SQL literal):
    Spark's string literals read backslashes as escapes, so it is written there as a raw literal. -#}
{% macro split_regex(text, pattern) %}{{ return(adapter.dispatch('split_regex', 'waterstat')(text, pattern)) }}{% endmacro %}
{% macro default__split_regex(text, pattern) %}regexp_split_to_array({{ text }}, '{{ pattern }}'){% endmacro %}
{% macro spark__split_regex(text, pattern) %}split({{ text }}, r'{{ pattern }}'){% endmacro %}

{#- The distinct integers written in a text (any non-digits separate them), sorted, as an array. -#}
{% macro distinct_ints_in_text(text) %}{{ return(adapter.dispatch('distinct_ints_in_text', 'waterstat')(text)) }}{% endmacro %}
{% macro default__distinct_ints_in_text(text) -%}
    list_sort(list_distinct(list_filter(
        list_transform({{ split_regex(text, '[^0-9]+') }}, x -> try_cast(x as integer)),
        x -> x is not null)))
{%- endmacro %}
{% macro spark__distinct_ints_in_text(text) -%}
    array_sort(array_distinct(filter(
        transform({{ split_regex(text, '[^0-9]+') }}, x -> try_cast(x as int)),
        x -> x is not null)))
{%- endmacro %}

{#- ===== Marts (issue 17): small differences the mart models need. ===== -#}

{#- Whole days from `start` to `end` (end - start; negative when end is earlier), a bigint as DuckDB's. -#}
{% macro days_between(start, end) %}{{ return(adapter.dispatch('days_between', 'waterstat')(start, end)) }}{% endmacro %}
{% macro default__days_between(start, end) %}date_diff('day', {{ start }}, {{ end }}){% endmacro %}
{% macro spark__days_between(start, end) %}cast(datediff({{ end }}, {{ start }}) as bigint){% endmacro %}



{#- A JSON object {key: value, ...} of a group's rows, keys in order (a JSON value on DuckDB, its
    text on Spark). -#}
{% macro json_object_agg_sorted(key, value) %}{{ return(adapter.dispatch('json_object_agg_sorted', 'waterstat')(key, value)) }}{% endmacro %}
{% macro default__json_object_agg_sorted(key, value) %}to_json(map(list({{ key }} order by {{ key }}), list({{ value }} order by {{ key }}))){% endmacro %}
{% macro spark__json_object_agg_sorted(key, value) %}to_json(map_from_entries(array_sort(array_agg(struct({{ key }}, {{ value }}))))){% endmacro %}
{#- ===================================================================================================
    Reports and quality (models/reports, models/quality, the data tests): contracts, figures as text,
    sorted aggregates, structs.
    =================================================================================================== -#}

{#- A contract's column types on Spark: the models' YAML says `varchar` (DuckDB's name), which Spark
    accepts only with a length; dbt casts a null to each declared type to check the contract, so the
    YAML's varchar is read as string here (what Spark calls an unbounded varchar). -#}
{% macro spark__get_empty_schema_sql(columns) %}
    {%- set spark_columns = {} -%}
    {%- for name in columns -%}
        {%- set column = {} -%}
        {%- do column.update(columns[name]) -%}
        {%- if column.get('data_type') and column['data_type'].strip().lower() == 'varchar' -%}
            {%- do column.update({'data_type': 'string'}) -%}
        {%- endif -%}
        {%- do spark_columns.update({name: column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(spark_columns)) }}
{% endmacro %}

{#- Figures as text, as DuckDB's printf writes them. Spark's printf (Java's formatter) rounds the
    shortest decimal form of a double half-up where C rounds its binary value (2.675 is 2.67499…:
    '%.2f' gives 2.67 in C, 2.68 in Java), writes %g with trailing zeros and a null as 'null'. On
    DuckDB these macros are printf itself; on Spark they call SQL functions (printf_functions below)
    that round as C does. -#}

{#- printf('%.nf', x); n an integer or an integer expression (0..9). -#}
{% macro fixed_decimals(x, n) %}{{ return(adapter.dispatch('fixed_decimals', 'waterstat')(x, n)) }}{% endmacro %}

{% macro default__fixed_decimals(x, n) -%}
    {%- if n is number %}printf('%.{{ n }}f', {{ x }}){% else %}format('{:.{}f}', {{ x }}, {{ n }}){% endif -%}
{%- endmacro %}

{% macro spark__fixed_decimals(x, n) %}printf_fixed({{ x }}, {{ n }}){% endmacro %}

{#- printf('%,.0f', x): a whole number, thousands separated by commas. -#}
{% macro grouped_integer(x) %}{{ return(adapter.dispatch('grouped_integer', 'waterstat')(x)) }}{% endmacro %}

{% macro default__grouped_integer(x) %}printf('%,.0f', {{ x }}){% endmacro %}

{% macro spark__grouped_integer(x) %}printf_grouped({{ x }}){% endmacro %}

{#- printf('%.pg', x): p significant digits, trailing zeros dropped, C's exponent form beyond
    1e-4 <= |x| < 10^p. -#}
{% macro significant_digits(x, p) %}{{ return(adapter.dispatch('significant_digits', 'waterstat')(x, p)) }}{% endmacro %}

{% macro default__significant_digits(x, p) %}printf('%.{{ p }}g', {{ x }}){% endmacro %}

{% macro spark__significant_digits(x, p) %}printf_general({{ x }}, {{ p }}){% endmacro %}

{#- The Spark SQL functions behind them, created with the ws_* functions (spark__create_ws_functions).
    printf_fixed rounds at n decimals as C does: on the shortest decimal form (exact decimal
    arithmetic), unless that form ends in a 5 just past the last decimal kept; then the binary value
    decides, above or below that half (its product with 10^(n+1) and the product's rounding error,
    Dekker's two-product with a Veltkamp split, against the half as a whole number), and a value
    exactly on the half goes to the even neighbour. Exact for |x| * 10^(n+1) < 2^53; from 1e14, or
    with n beyond 0..9, it writes Java's digits. printf_general builds %g on it: C's exponent, that of
    the value rounded to p digits; the exponent form's digits rounded from x scaled by a power of 10.
    (One function per step: Spark takes no SQL function inside a lambda, nor a lambda in one.) -#}
{% macro printf_functions() -%}
    {{ return({
        'printf_round_up(x double, n bigint, s decimal(37, 12), f decimal(26, 0)) returns int':
            "case when s - f > 0.5 then 1 when s - f < 0.5 then 0
                  else case sign((x * power(10, n + 1) - cast(10 * f + 5 as double))
                                 + (((134217729D * x - (134217729D * x - x)) * power(10, n + 1) - x * power(10, n + 1))
                                    + (x - (134217729D * x - (134217729D * x - x))) * power(10, n + 1)))
                       when 1 then 1 when -1 then 0 else cast(abs(f % 2) as int) end end",
        'printf_fixed_text(x double, n bigint, r decimal(38, 12)) returns string':
            "case when x < 0 and r = 0 then '-' else '' end || format_string(concat('%.', n, 'f'), cast(r as double))",
        'printf_fixed_at(x double, n bigint, s decimal(37, 12)) returns string':
            "printf_fixed_text(x, n, (floor(s) + printf_round_up(x, n, s, floor(s))) / cast(power(10, n) as decimal(10, 0)))",
        'printf_fixed(x double, n bigint) returns string':
            "case when x is null or n is null then null
                  when isnan(x) then 'nan' when x = double('Infinity') then 'inf' when x = double('-Infinity') then '-inf'
                  when not abs(x) < 1e14 or n < 0 or n > 9 then format_string(concat('%.', n, 'f'), x)
                  else printf_fixed_at(x, n, cast(cast(x as string) as decimal(26, 12)) * cast(power(10, n) as decimal(10, 0))) end",
        'printf_grouped(x double) returns string':
            "case when isnan(x) or abs(x) = double('Infinity') or printf_fixed(x, 0) = '-0' then printf_fixed(x, 0)
                  else format_number(cast(printf_fixed(x, 0) as double), 0) end",
        'printf_scaled(x double, e int) returns double':
            "case when e < 0 then x * power(10, -e) else x / power(10, e) end",
        'printf_strip_zeros(t string) returns string':
            "case when t like '%.%' then regexp_replace(regexp_replace(t, '0+$', ''), '[.]$', '') else t end",
        'printf_exponent(x double, p bigint) returns int':
            "cast(floor(log10(abs(x))) as int)
             + case when floor(log10(abs(x))) >= -4 and floor(log10(abs(x))) < p
                    then abs(cast(printf_fixed(x, p - 1 - cast(floor(log10(abs(x))) as int)) as double)) >= power(10, floor(log10(abs(x))) + 1)
                    else abs(cast(printf_fixed(printf_scaled(x, cast(floor(log10(abs(x))) as int) - p + 1), 0) as double)) >= power(10, p)
               end :: int",
        'printf_mantissa(t string) returns string':
            "case when t like '-%' then '-' else '' end || substr(replace(t, '-', ''), 1, 1) || '.' || substr(replace(t, '-', ''), 2)",
        'printf_general_at(x double, p bigint, e int) returns string':
            "case when e >= -4 and e < p then printf_strip_zeros(printf_fixed(x, greatest(p - 1 - e, 0)))
                  else printf_strip_zeros(printf_mantissa(printf_fixed(printf_scaled(x, e - p + 1), 0)))
                       || case when e < 0 then 'e-' else 'e+' end || lpad(cast(abs(e) as string), 2, '0') end",
        'printf_general(x double, p bigint) returns string':
            "case when x is null or p is null then null
                  when isnan(x) or abs(x) = double('Infinity') then printf_fixed(x, 0)
                  when x = 0 then '0'
                  else printf_general_at(x, p, printf_exponent(x, p)) end"
    }) }}
{%- endmacro %}

{#- a / b for doubles as IEEE divides: ±inf, or nan for 0 / 0, where b is 0 (DuckDB; Spark's ANSI
    mode raises an error instead). Where a zero divisor means "no figure", write nullif(b, 0). -#}
{% macro float_divide(a, b) %}{{ return(adapter.dispatch('float_divide', 'waterstat')(a, b)) }}{% endmacro %}

{% macro default__float_divide(a, b) %}({{ a }}) / ({{ b }}){% endmacro %}

{% macro spark__float_divide(a, b) -%}
    case when ({{ b }}) = 0 then case when ({{ a }}) > 0 then cast('Infinity' as double)
                                      when ({{ a }}) < 0 then cast('-Infinity' as double) else cast('NaN' as double) end
         else ({{ a }}) / ({{ b }}) end
{%- endmacro %}

{#- 2023年7月1日: a date as Chinese documents write it (strftime '%Y年%-m月%-d日' on DuckDB). -#}
{% macro format_date_zh(d) -%}
    {%- set d = '(' ~ d ~ ')' -%}
    case when {{ d }} is not null then concat(year({{ d }}), '年', month({{ d }}), '月', day({{ d }}), '日') end
{%- endmacro %}

{#- A struct from (name, expression) pairs: struct_pack on DuckDB, named_struct on Spark. -#}
{% macro make_struct(fields) %}{{ return(adapter.dispatch('make_struct', 'waterstat')(fields)) }}{% endmacro %}

{% macro default__make_struct(fields) -%}
    struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro spark__make_struct(fields) -%}
    named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- An aggregate: the values in the order of the `order_by` expressions (ascending, nulls last), of
    the rows `where` holds, the first `limit` of them; null when no row counts (DuckDB's list). -#}
{% macro array_agg_sorted(value, order_by, where=none, limit=none) %}
    {{- return(adapter.dispatch('array_agg_sorted', 'waterstat')(value, order_by, where, limit)) -}}
{% endmacro %}

{% macro default__array_agg_sorted(value, order_by, where, limit) -%}
    (list({{ value }} order by {{ order_by | join(', ') }}){% if where %} filter (where {{ where }}){% endif %})
    {%- if limit %}[1:{{ limit }}]{% endif %}
{%- endmacro %}

{% macro spark__array_agg_sorted(value, order_by, where, limit) -%}
    {%- set sorted -%}
    transform(array_sort(collect_list(named_struct(
                  'k', named_struct({% for o in order_by %}'n{{ loop.index }}', {{ o }} is null, 'k{{ loop.index }}', {{ o }}{{ ', ' if not loop.last }}{% endfor %}),
                  'v', {{ value }})){% if where %} filter (where {{ where }}){% endif %},
              (l, r) -> case when l.k < r.k then -1 when l.k > r.k then 1 else 0 end), e -> e.v)
    {%- endset -%}
    case when count(*){% if where %} filter (where {{ where }}){% endif %} > 0
         then {% if limit %}slice({{ sorted }}, 1, {{ limit }}){% else %}{{ sorted }}{% endif %} end
{%- endmacro %}

