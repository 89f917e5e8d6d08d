"""A Dagster logger printing one compact line per step, for the CLI and headless runs: step start
and end with timings, the messages the code marks for the operator (`extra=PROGRESS`: part i of n,
what a load found), warnings, failed checks."""
from __future__ import annotations

import logging
import sys
import time

import dagster as dg

SHOWN = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"}
# context.log.info(message, extra=PROGRESS): shown on the console too, not only in the Dagster UI
PROGRESS = {"waterstat_progress": True}


def message_of(record: logging.LogRecord) -> str:
    return getattr(record, "dagster_meta", {}).get("orig_message") or record.getMessage()


class ProgressHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.started: dict[str, float] = {}
        self.shown: set[tuple] = set()  # a range run materializes each day: one line per asset

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None:
            self.emit_message(record)
            return
        kind, step = event.event_type_value, event.step_key or ""
        if kind not in SHOWN:
            return
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            print(f"▶ {step}", flush=True)
        elif kind == "STEP_SUCCESS":
            print(f"✓ {step} ({time.monotonic() - self.started.get(step, time.monotonic()):.1f} s)", flush=True)
        elif kind == "STEP_FAILURE":
            print(f"✗ {step}: {event.step_failure_data.error.message.strip()[:500]}", flush=True)
        elif kind == "ASSET_MATERIALIZATION":
            m = event.event_specific_data.materialization
            seen = (record.dagster_meta.get("run_id"), step, m.asset_key.to_user_string())
            if seen in self.shown:
                return
            self.shown.add(seen)
            rows = m.metadata.get("dagster/row_count")  # the table's rows after the step
            print(f"    {m.asset_key.to_user_string()}" + (f" ({rows.value:,} rows)" if rows else ""), flush=True)
        elif kind == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if not ev.passed:
                print(f"    check FAILED: {ev.asset_key.to_user_string()} {ev.check_name}", flush=True)

    @staticmethod
    def emit_message(record: logging.LogRecord) -> None:
        message = message_of(record)
        if record.levelno >= logging.WARNING:
            print(f"    ! {message}", file=sys.stderr, flush=True)
        elif getattr(record, "waterstat_progress", False):
            print(f"    {message}", flush=True)


@dg.logger(description="One line per step with timings, what each load found, parts of long runs, warnings "
                       "(used by the waterstat CLI).")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.getLogger("waterstat.progress")
    logger.setLevel(logging.DEBUG)  # step events are logged at DEBUG
    if not logger.handlers:
        logger.addHandler(ProgressHandler())
    logger.propagate = False
    return logger
