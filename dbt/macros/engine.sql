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
    listagg({{ 'distinct ' if distinct }}{{ expr }}, {{ sep }}) within group (order by {{ order_by or expr }})
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

{#- Figures as text. printf rounds differently on each engine (DuckDB rounds the binary value, 5 down
    or up as its bits fall; Spark's Java rounds the shortest decimal half-up) and formats %g apart
    (Java keeps trailing zeros) and a null as 'null' (DuckDB: the whole text null). These macros
    round first, half-even, in exact decimal arithmetic on the number's shortest decimal form (what
    it prints as: 2.675 -> 2.68, 12.25 -> 12.2), the same on both engines; a null gives null. -#}

{#- x rounded half-even to n decimals (n: an integer 0..6, not an expression), as decimal(28, 12).
    DuckDB's round_even on a decimal answers a double; the arithmetic here stays exact. -#}
{% macro round_half_even_decimal(x, n) %}{{ return(adapter.dispatch('round_half_even_decimal', 'waterstat')(x, n)) }}{% endmacro %}

{% macro default__round_half_even_decimal(x, n) -%}
    {%- set s = '(cast(cast(' ~ x ~ ' as string) as decimal(28, 12)) * ' ~ (10 ** n) ~ ')' -%}
    cast((floor({{ s }}) + case when {{ s }} - floor({{ s }}) > 0.5
                                 or ({{ s }} - floor({{ s }}) = 0.5 and floor({{ s }}) % 2 <> 0) then 1 else 0 end)
         * {{ '%.*f' % (n, 10 ** -n) }} as decimal(28, 12))
{%- endmacro %}

{% macro spark__round_half_even_decimal(x, n) -%}
    cast(bround(cast(cast({{ x }} as string) as decimal(28, 12)), {{ n }}) as decimal(28, 12))
{%- endmacro %}

{#- printf('%.nf', x): x with n decimals (n an integer, or an expression 0..6), rounded half-even;
    a negative x that rounds to zero keeps its sign, as printf does ('-0.0'); inf, -inf and nan as
    printf writes them. -#}
{% macro fixed_decimals(x, n) -%}
    {%- set x = '(' ~ x ~ ')' -%}
    {%- if n is number -%}
    case when isnan({{ x }}) then 'nan' when {{ x }} = cast('Infinity' as double) then 'inf'
         when {{ x }} = cast('-Infinity' as double) then '-inf'
         else case when {{ x }} < 0 and {{ round_half_even_decimal(x, n) }} = 0 then '-' else '' end
              || cast(cast({{ round_half_even_decimal(x, n) }} as decimal(28, {{ n }})) as string) end
    {%- else -%}
    case {{ n }}{% for k in range(7) %} when {{ k }} then {{ fixed_decimals(x, k) }}{% endfor %} end
    {%- endif -%}
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

{#- printf('%,.0f', x): x rounded half-even to a whole number, thousands separated by commas. -#}
{% macro grouped_integer(x) -%}
    {%- set x = '(' ~ x ~ ')' -%}
    case when {{ x }} < 0 and {{ round_half_even_decimal(x, 0) }} = 0 then '-0'
         when {{ x }} is not null then printf('%,.0f', cast({{ round_half_even_decimal(x, 0) }} as double)) end
{%- endmacro %}

{#- printf('%.pg', x) (p significant digits, trailing zeros dropped) for 1e-4 <= |x| < 10^p and 0,
    as C writes it; beyond that range in C's exponent form (p digits, e±XX), except that a mantissa
    there rounding up to 10 is not carried into the exponent. -#}
{% macro significant_digits(x, p) -%}
    {%- set x = '(' ~ x ~ ')' -%}
    {%- set e = 'cast(floor(log10(abs(' ~ x ~ '))) as integer)' -%}
    {%- set mantissa = 'case when ' ~ e ~ ' < 0 then ' ~ x ~ ' * power(10, -' ~ e ~ ') else ' ~ x ~ ' / power(10, ' ~ e ~ ') end' -%}
    case when {{ x }} = 0 then '0'
         else case {{ e }}
              {%- for k in range(-4, p) %}
                   when {{ k }} then
                   {%- if p - 1 - k > 0 %} {{ strip_decimal_zeros(fixed_decimals(x, p - 1 - k)) }}
                   {%- else %} case when abs({{ round_half_even_decimal(x, 0) }}) >= {{ 10 ** p }}
                                    then case when {{ x }} < 0 then '-' else '' end || '1e+{{ '%02d' % p }}'
                                    else {{ fixed_decimals(x, 0) }} end
                   {%- endif %}
              {%- endfor %}
                   else {{ strip_decimal_zeros(fixed_decimals(mantissa, p - 1)) if p > 1 else fixed_decimals(mantissa, 0) }}
                        || case when {{ e }} < 0 then 'e-' else 'e+' end || lpad(cast(abs({{ e }}) as string), 2, '0') end end
{%- endmacro %}

{#- A number's text (one with a decimal point) without the zeros that end its decimals, nor the
    point left bare. -#}
{% macro strip_decimal_zeros(text) -%}
    regexp_replace(regexp_replace({{ text }}, '0+$', ''), '[.]$', '')
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

