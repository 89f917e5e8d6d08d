{#- The ws_* functions every parse of a raw value goes through: a number, an integer, a date, a
    platform timestamp, a flag, a volume unit, a USCC. One definition, created in the warehouse by
    dbt itself (on-run-start in dbt_project.yml, so `dbt build` works on a fresh database) and by
    the loader before its row checks (dagster_project/lib/sql_functions.py renders this macro with
    plain jinja2), so load-time validation and staging casts always agree. -#}
{% macro ws_functions_sql() %}

-- Full-width digits and signs (２０２２-12-26, １００.５) → ASCII. The translate runs only on the
-- rare value with a non-ASCII character (byte length ≠ character length): a CASE evaluates its
-- ELSE branch for those rows alone, so clean exports pay one length comparison per value.
create or replace macro ws_ascii(x) as
    case when strlen(x) = length(x) then x
         else translate(x, '０１２３４５６７８９．，：－＋／　', '0123456789.,:-+/ ') end;

-- A text value without its surrounding spaces. DuckDB's trim copies every string; an ASCII value
-- that neither starts nor ends with a space (nearly every code and flag of an export) is returned
-- as it is (the loader's four text columns of a meter file: 0.20 s → 0.17 s per 240,000 readings).
-- Same values as trim by construction (tests/lib/test_parse_functions.py compares the two).
create or replace macro ws_trim(x) as
    case when strlen(x) = length(x) and not prefix(x, ' ') and not suffix(x, ' ') then x else trim(x) end;

-- An ASCII value without commas or surrounding spaces (nearly every value of a platform's export)
-- is what the general way would cast anyway, so it is cast as it is: the trim and the replace each
-- copy every string (0.6 s → 0.2 s a column on 8.9 M readings). Routed by those tests, not by a
-- failed cast, which costs more than the general way. Same values by construction
-- (tests/lib/test_parse_functions.py compares the two).
create or replace macro ws_parse_number_general(x) as
    try_cast(replace(nullif(trim(ws_ascii(x)), ''), ',', '') as double);

create or replace macro ws_parse_number(x) as
    case when strlen(x) = length(x) and not contains(x, ',') and not prefix(x, ' ') and not suffix(x, ' ')
             then try_cast(x as double)
         else ws_parse_number_general(x) end;

create or replace macro ws_parse_int(x) as
    try_cast(ws_parse_number(x) as integer);

create or replace macro ws_parse_date(x) as
    coalesce(try_cast(left(trim(x), 10) as date),
             try_strptime(trim(x), ['%Y/%-m/%-d', '%Y年%-m月%-d日', '%Y%m%d'])::date);

-- Platform timestamps: China Standard Time wall clock, or ISO 8601 with an offset or Z (converted
-- to CST, since the platform's day boundaries are Beijing time). A time of day is required. Parsed
-- by DuckDB's timestamp cast, not strptime: StrpTimeFormat::Parse reads past the end of a string
-- and crashes DuckDB 1.5.5 now and then on a few million rows (docs/operations.md, Known issues).
-- No regular expressions: an offset is a '+' or '-' after the date (position 11 on), which plain
-- string tests find at a fraction of a regex's cost on tens of millions of readings.
create or replace macro ws_parse_cst_timestamp_ascii(x) as
    case
        when not contains(x, ':') then null
        when suffix(x, 'Z') or contains(substr(x, 11), '+') or contains(substr(x, 11), '-')
            then make_timestamp(epoch_us(try_cast(x as timestamptz)) + 8 * 3600 * 1000000::bigint)
        else try_cast(x as timestamp)
    end;

-- An ASCII value without surrounding spaces is its own trim(ws_ascii(x)) and goes straight to the
-- parse (0.9 s → 0.55 s on 8.9 M readings); any other is normalised first, once: the lambda binds
-- it to one name, where the macro's own x would repeat the normalisation at each of its six uses
-- (DuckDB shares a repeated expression across a select, but not inside a CASE branch).
create or replace macro ws_parse_cst_timestamp(x) as
    case when strlen(x) = length(x) and not prefix(x, ' ') and not suffix(x, ' ')
             then ws_parse_cst_timestamp_ascii(x)
         else list_transform([trim(ws_ascii(x))], y -> ws_parse_cst_timestamp_ascii(y))[1] end;

create or replace macro ws_parse_flag(x) as
    case when trim(x) in ('是', 'Y', 'y', '1', 'true', 'TRUE') then true
         when trim(x) in ('否', 'N', 'n', '0', 'false', 'FALSE') then false end;

-- Unit text as written on a return (m³, m3, 立方米, 万m³, 万立方米, 亿m³) → canonical; null = unknown.
create or replace macro ws_volume_unit(x) as
    case replace(replace(replace(lower(trim(coalesce(x, 'm³'))), '立方米', 'm³'), 'm3', 'm³'), ' ', '')
        when '万m³' then '万m³' when '亿m³' then '亿m³' when 'm³' then 'm³' end;

-- GB 32100-2015 check character of an 18-character unified social credit code.
create or replace macro ws_is_valid_uscc(x) as
    coalesce(length(x) = 18
     and regexp_full_match(x, '[0-9A-HJ-NPQRTUWXY]{18}')
     and substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
                ((31 - list_sum(list_transform(range(17), i ->
                    (instr('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(x, i + 1, 1)) - 1)
                    * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1]))::bigint % 31) % 31) + 1, 1)
         = substr(x, 18, 1), false);
{% endmacro %}
