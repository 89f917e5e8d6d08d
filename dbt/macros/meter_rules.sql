{#- The meter rules (METHODS: totalizer readings → volumes), one definition each, used by both ways
    int_meter_daily_volumes applies them: the one-sort pass for the common station and the full
    rule set for the rare station with a duplicated reading or two outlier readings in a row.

    Outlier readings (a transmission spike, not a meter event) are tested against the deduplicated
    readings of the station around them:
      single: the reading lies outside the bracket of its two neighbours, which are themselves
              ordered (before ≤ after);
      pair:   two readings in a row both lie outside the bracket of the readings just before and
              just after the pair (ordered). Two consecutive spikes pass the single test, each one
              bracketed by the other, and would otherwise read as a huge increment and a meter
              replacement.
    Rollovers and resets keep before > after, so neither test mistakes them for outliers. Three or
    more outliers in a row are not recognised (read as meter events). -#}
{% macro meter_outside(x, before, after) -%}
    ({{ x }} > {{ after }} or {{ x }} < {{ before }})
{%- endmacro %}

{% macro meter_single_outlier(before, x, after) -%}
    coalesce({{ before }} <= {{ after }} and {{ meter_outside(x, before, after) }}, false)
{%- endmacro %}

{% macro meter_pair_outlier(before, x, y, after) -%}
    coalesce({{ before }} <= {{ after }} and {{ meter_outside(x, before, after) }}
             and {{ meter_outside(y, before, after) }}, false)
{%- endmacro %}

{#- Volume of an interval between two good readings:
      rollover: the register wrapped past its capacity (10^digits of the previous value) and the
                implied increment is ≤ meter_rollover_max_fraction of that capacity;
      reset:    any other drop to below meter_reset_max_fraction of the previous value is a meter
                replacement: the new register started near zero, so its value is the volume;
      negative increment: any other drop (backflow, a re-read register): no volume, flagged.
    DuckDB reads a column alias of the same select list, so the columns build on one another. -#}
{% macro meter_interval_columns(prev_m3, m3) -%}
    {{ m3 }} - {{ prev_m3 }} as raw_delta_m3,
    -- a register's capacity matters only where the reading dropped (logarithms cost, every reading)
    case when raw_delta_m3 < 0 then pow(10, ceil(log10(greatest({{ prev_m3 }}, 0) + 1))) end as register_capacity_m3,
    raw_delta_m3 < 0
        and {{ m3 }} + register_capacity_m3 - {{ prev_m3 }}
            <= {{ var('meter_rollover_max_fraction') }} * register_capacity_m3 as is_rollover,
    raw_delta_m3 < 0 and not is_rollover
        and {{ m3 }} < {{ var('meter_reset_max_fraction') }} * {{ prev_m3 }} as is_reset,
    raw_delta_m3 < 0 and not is_rollover and not is_reset as is_negative_increment,
    case
        when raw_delta_m3 >= 0 then raw_delta_m3
        when is_rollover then {{ m3 }} + register_capacity_m3 - {{ prev_m3 }}
        when is_reset then {{ m3 }}
        else 0
    end as volume_m3
{%- endmacro %}

{#- The station-day references of the flags, over the intervals ending that day (so a day's result
    depends only on the readings around it, and a day-range run gives what a full rebuild gives). -#}
{% macro meter_station_day_medians(is_interval) -%}
    median(interval_s) filter (where {{ is_interval }}) as typical_interval_s,
    median(volume_m3) filter (where {{ is_interval }} and volume_m3 > 0) as median_volume_m3
{%- endmacro %}

{#- Whether the meter reports flow at a reading (all the stuck test needs of the flow: a boolean
    rather than the figure, so the one sort carries a byte, not eight). -#}
{% macro meter_is_flowing(flow_m3_per_h) -%}
    coalesce({{ flow_m3_per_h }}, 0) > 0 as is_flowing
{%- endmacro %}

{#- The last instant of an interval ending at end_at: its volume lands on the days up to this
    one's, so an interval ending at midnight belongs to the day before. -#}
{% macro meter_last_instant(end_at) -%}
    ({{ end_at }} - interval 1 microsecond)
{%- endmacro %}

{#- An interval from start_at to end_at lies within one calendar day: that of its last instant. -#}
{% macro meter_within_one_day(start_at, end_at) -%}
    ({{ start_at }}::date = {{ meter_last_instant(end_at) }}::date)
{%- endmacro %}

{#- One interval row (int_meter_daily_volumes sums them per day), from an interval `m` and its
    station-day `d`:
      gap:   longer than meter_gap_factor × the day's usual interval (volume kept and prorated);
      spike: above meter_spike_factor × the day's median positive increment, scaled to the
             interval's length, and above 1 m³ (kept, flagged);
      stuck: no increment while the meter reports flow (kept, flagged). -#}
{% macro meter_interval_row(m, d, n_duplicate_copies) -%}
    {{ m }}.station_code,
    {{ m }}.intake_code,
    {{ m }}.prev_reading_at as interval_start_at,
    {{ m }}.reading_at as interval_end_at,
    {{ m }}.interval_s,
    {{ m }}.volume_m3,
    {{ m }}.is_rollover,
    {{ m }}.is_reset,
    {{ m }}.is_negative_increment,
    {{ m }}.interval_s > {{ var('meter_gap_factor') }} * {{ d }}.typical_interval_s as has_gap,
    {{ m }}.volume_m3 > {{ var('meter_spike_factor') }} * {{ d }}.median_volume_m3 * {{ m }}.interval_s
        / {{ d }}.typical_interval_s and {{ m }}.volume_m3 > 1 as is_spike,
    {{ m }}.volume_m3 = 0 and {{ m }}.is_flowing as is_stuck,
    {{ n_duplicate_copies }} as n_duplicate_copies
{%- endmacro %}

{#- The full rule set, for any readings: copies of a (station, time) reading reduced to one (latest
    load wins, then the later file name, then the earlier row), the outlier tests over the
    deduplicated readings, each good reading's interval from the previous good one. CTEs named
    full_*: `full_intervals` (interval rows) and `full_outliers` (outlier readings per station and
    reading day, every reading day listed). -#}
{% macro meter_full_rules(readings) -%}
full_ranked as (
    select
        *,
        count(*) over by_key as n_copies,
        -- the window spelled out: Spark cannot extend a named window
        row_number() over (partition by station_code, reading_at
                           order by loaded_at desc, source_file desc, source_row_number) as copy_rank
    from {{ readings }}
    window by_key as (partition by station_code, reading_at)
),

full_neighbours as (
    select
        *,
        lag(totalizer_m3, 2) over by_time  as before_2_m3,
        lag(totalizer_m3) over by_time     as before_1_m3,
        lead(totalizer_m3) over by_time    as after_1_m3,
        lead(totalizer_m3, 2) over by_time as after_2_m3
    from full_ranked
    where copy_rank = 1
    window by_time as (partition by station_code order by reading_at)
),

full_flagged as (
    select
        *,
        {{ meter_single_outlier('before_1_m3', 'totalizer_m3', 'after_1_m3') }}
            or {{ meter_pair_outlier('before_1_m3', 'totalizer_m3', 'after_1_m3', 'after_2_m3') }}
            or {{ meter_pair_outlier('before_2_m3', 'before_1_m3', 'totalizer_m3', 'after_1_m3') }}
            as is_outlier_reading
    from full_neighbours
),

full_outliers as (
    select station_code, reading_at::date as reading_date,
           count(*) filter (where is_outlier_reading) as n_outlier_readings
    from full_flagged
    group by all
),

full_sequenced as (
    select
        *,
        lag(reading_at) over by_time   as prev_reading_at,
        lag(totalizer_m3) over by_time as prev_totalizer_m3
    from full_flagged
    where not is_outlier_reading
    window by_time as (partition by station_code order by reading_at)
),

full_measured as (
    select
        *,
        {{ seconds_between('prev_reading_at', 'reading_at') }} as interval_s,
        {{ meter_interval_columns('prev_totalizer_m3', 'totalizer_m3') }}
    from full_sequenced
    where prev_reading_at is not null
),

full_station_days as (
    select station_code, reading_at::date as reading_date, {{ meter_station_day_medians('true') }}
    from full_measured
    group by all
),

full_intervals as (
    select {{ meter_interval_row('m', 'd', 'm.n_copies - 1') }}
    from full_measured as m
    join full_station_days as d on m.station_code = d.station_code and m.reading_at::date = d.reading_date
)
{%- endmacro %}
