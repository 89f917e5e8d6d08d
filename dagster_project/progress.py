"""A Dagster logger printing one compact line per step, for the CLI and headless runs."""
from __future__ import annotations

import logging
import sys
import time

import dagster as dg

SHOWN = {"STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"}
# metadata key → its name on the line: what a load did, and the table's rows after it
SHOWN_METADATA = {"rows_loaded": "rows_loaded", "rows_quarantined": "rows_quarantined",
                  "files_rejected": "files_rejected", "dagster/row_count": "rows"}


class ProgressHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.started: dict[str, float] = {}
        self.shown: set[tuple] = set()  # a range run materializes each day: one line per asset

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                print(f"    ! {record.getMessage().split(' - ')[-1]}", file=sys.stderr, flush=True)
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
            rows = {SHOWN_METADATA[k]: v.value for k, v in m.metadata.items() if k in SHOWN_METADATA}
            print(f"    {m.asset_key.to_user_string()} {rows if rows else ''}", flush=True)
        elif kind == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if not ev.passed:
                print(f"    check FAILED: {ev.asset_key.to_user_string()} {ev.check_name}", flush=True)


@dg.logger(description="One line per step with timings and row counts (used by the waterstat CLI).")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.getLogger("waterstat.progress")
    logger.setLevel(logging.DEBUG)  # step events are logged at DEBUG
    if not logger.handlers:
        logger.addHandler(ProgressHandler())
    logger.propagate = False
    return logger
