{#- CJJ 92-2016 as revised in 2018 (METHODS §3.3). All rates in percent. Q_s, Q_a in any one
    unit; pipe length per 万m³ of supply, so the supply is converted from m³ here. -#}

{% macro cjj92_comprehensive_loss_rate_pct(system_input_m3, authorized_m3) -%}
    ({{ system_input_m3 }} - {{ authorized_m3 }}) / nullif({{ system_input_m3 }}, 0) * 100
{%- endmacro %}

{% macro cjj92_r1_pct(household_metered_m3, system_input_m3) -%}
    {{ var('cjj92_household_meter_loss_ratio') }} * {{ household_metered_m3 }} / nullif({{ system_input_m3 }}, 0) * 100
{%- endmacro %}

{% macro cjj92_r2_pct(pipe_length_km, system_input_m3) -%}
    greatest(-{{ var('cjj92_r2_clamp_pct') }}, least({{ var('cjj92_r2_clamp_pct') }},
        {{ var('cjj92_pipe_length_coefficient') }}
        * ({{ pipe_length_km }} / nullif({{ system_input_m3 }} / 1e4, 0)
           - {{ var('cjj92_pipe_length_benchmark_km_per_10k_m3') }}) * 100))
{%- endmacro %}

{% macro cjj92_r3_pct(pressure_mpa) -%}
    cast(case when {{ pressure_mpa }} > 0.75 then 2.0
              when {{ pressure_mpa }} > 0.55 then 1.0
              when {{ pressure_mpa }} > 0.35 then 0.5
              else 0.0 end as double)
{%- endmacro %}

{% macro cjj92_r4_pct(frost_depth_m) -%}
    cast(case when {{ frost_depth_m }} > 1.4 then 1.0 else 0.0 end as double)
{%- endmacro %}

{% macro cjj92_grade_zh(leakage_rate_pct) -%}
    case when {{ leakage_rate_pct }} <= {{ var('cjj92_grade1_max_pct') }} then '一级'
         when {{ leakage_rate_pct }} <= {{ var('cjj92_grade2_max_pct') }} then '二级'
         else '未达标' end
{%- endmacro %}
