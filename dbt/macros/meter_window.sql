{#- The day window a partitioned run of the meter models recomputes: WATERSTAT_METER_START_DATE
    and WATERSTAT_METER_END_DATE (ISO dates), set by Dagster from the partition range for the one
    dbt call; both unset = every day. Environment variables, not --vars: dbt re-parses the whole
    project whenever --vars change, but only the files reading a variable when its value does.

    A day's volume needs the readings around it: the last reading of the day before (an interval
    across midnight), the first readings of the day after (the interval that closes the day) and
    each reading's two neighbours (outlier test). So a run for days [s, e] reads readings in
    [s − 1 day, e + 2 days) and writes volume dates [s, e]. Files are named by the day they
    report (meter_readings/YYYYMMDD…csv), so the scan is first cut to files named s − 2 … e + 2:
    a plain string range on the raw lineage column, which DuckDB answers from zone maps without
    parsing a single timestamp. -#}
{% macro meter_window_bounds() -%}
    {%- set s = env_var('WATERSTAT_METER_START_DATE', '') -%}
    {%- set e = env_var('WATERSTAT_METER_END_DATE', '') -%}
    {%- if s and e -%}
        {%- set d = modules.datetime -%}
        {{ return({'start': d.date.fromisoformat(s | string), 'end': d.date.fromisoformat(e | string),
                   'day': d.timedelta(days=1)}) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}

{% macro meter_files_in_window(file_col) -%}
    {%- set w = meter_window_bounds() -%}
    {%- if w -%}
        {{ file_col }} >= 'meter_readings/{{ (w.start - 2 * w.day).strftime("%Y%m%d") }}'
        and {{ file_col }} < 'meter_readings/{{ (w.end + 3 * w.day).strftime("%Y%m%d") }}'
    {%- else -%} true
    {%- endif -%}
{%- endmacro %}

{% macro meter_readings_in_window(file_col, ts_col) -%}
    {%- set w = meter_window_bounds() -%}
    {%- if w -%}
        {{ meter_files_in_window(file_col) }}
        and {{ ts_col }} >= timestamp '{{ w.start - w.day }}'
        and {{ ts_col }} < timestamp '{{ w.end + 2 * w.day }}'
    {%- else -%} true
    {%- endif -%}
{%- endmacro %}

{% macro meter_days_in_window(date_col) -%}
    {%- set w = meter_window_bounds() -%}
    {%- if w -%} {{ date_col }} between date '{{ w.start }}' and date '{{ w.end }}'
    {%- else -%} true
    {%- endif -%}
{%- endmacro %}

{#- Spark: before an incremental run overwrites the volume_date partitions it writes, drop every
    partition of its window, so a day that now has no rows loses its old ones too (as DuckDB's
    delete of the window does); no window = every day. -#}
{% macro meter_clear_window_partitions(relation) -%}
    {%- set w = meter_window_bounds() -%}
    {%- if w -%}
        {%- set days = [] -%}
        {%- for i in range((w.end - w.start).days + 1) -%}
            {%- do days.append("partition (volume_date = '" ~ (w.start + i * w.day) ~ "')") -%}
        {%- endfor -%}
        alter table {{ relation }} drop if exists {{ days | join(', ') }}
    {%- else -%}
        truncate table {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- dbt's get_where_subquery (every generic test's `model`), with one placeholder: a test whose
    `where` is __meter_files_in_window__ checks the readings of the files in the run's day window
    (all of them without a window), so a key test over the raw readings does not grow with every
    night's load. dbt renders a test's `where` at parse time, without project macros; this is the
    way dbt's documentation gives for a filter that needs one at run time. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__meter_files_in_window__', meter_files_in_window('source_file')) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
