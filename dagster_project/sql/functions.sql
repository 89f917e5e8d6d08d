-- WaterStat parsing functions, created in the warehouse by the loader (ensure_raw_schema) and
-- used by both the row checks at load time and the dbt staging casts, so the two always agree
-- on what a valid number, date, timestamp, flag, unit or USCC is.

create or replace macro ws_parse_number(x) as
    try_cast(replace(nullif(trim(x), ''), ',', '') as double);

create or replace macro ws_parse_int(x) as
    try_cast(ws_parse_number(x) as integer);

create or replace macro ws_parse_date(x) as
    coalesce(try_cast(left(trim(x), 10) as date),
             try_strptime(trim(x), ['%Y/%-m/%-d', '%Y年%-m月%-d日', '%Y%m%d'])::date);

-- Platform timestamps: China Standard Time wall clock, or ISO 8601 with an offset (converted to
-- CST, since the platform's day boundaries are Beijing time). A time of day is required. Parsed by
-- DuckDB's timestamp cast, not strptime: StrpTimeFormat::Parse reads past the end of a string
-- and crashes DuckDB 1.5.5 now and then on a few million rows (docs/operations.md, Known issues).
create or replace macro ws_parse_cst_timestamp(x) as
    case
        when not regexp_matches(trim(x), '\d:\d\d') then null
        when right(trim(x), 1) = 'Z' or regexp_matches(right(trim(x), 6), '[+-]\d\d:?\d\d$')
            then make_timestamp(epoch_us(try_cast(trim(x) as timestamptz)) + 8 * 3600 * 1000000::bigint)
        else try_cast(trim(x) as timestamp)
    end;

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
