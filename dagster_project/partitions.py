"""Partitions: meter readings by day (China Standard Time), annual sources by report year."""
import dagster as dg

from dagster_project.lib.partition_keys import is_daily

# The first day and year the warehouse accepts; files named before them are rejected with the rule.
FIRST_METER_DAY = "2020-01-01"
FIRST_REPORT_YEAR = "2015"  # 十三五 base year of the intensity targets

# Up to yesterday: the platform exports a day once it is over.
meter_days = dg.DailyPartitionsDefinition(start_date=FIRST_METER_DAY, timezone="Asia/Shanghai")

# Up to the current year: a year's water-use plans are issued at its start.
report_years = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *", start=FIRST_REPORT_YEAR, fmt="%Y", timezone="Asia/Shanghai", end_offset=1)


def partitions_for(source_name: str) -> dg.TimeWindowPartitionsDefinition:
    return meter_days if is_daily(source_name) else report_years
