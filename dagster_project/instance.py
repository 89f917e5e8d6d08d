"""The Dagster instance directory ($DAGSTER_HOME) that `waterstat` and `make ui` share."""
from __future__ import annotations

import os
from pathlib import Path

from dagster_project.settings import REPO_ROOT

INSTANCE_CONFIG = """\
# Written by waterstat (dagster_project/instance.py); changes here are overwritten.
telemetry:
  enabled: false  # no network at run time
nux:
  enabled: false  # no "Join the Dagster community" pop-up over the UI (a sign-up form that needs the network)
run_queue:
  # DuckDB allows one writer: every WaterStat job carries this tag, so runs queue, never collide
  tag_concurrency_limits:
    - key: waterstat/warehouse
      limit: 1
"""


def dagster_home() -> Path:
    """$DAGSTER_HOME, by default .dagster_home in the checkout (set, so DagsterInstance.get() finds it)."""
    return Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))


def ensure_dagster_home(home: Path) -> None:
    """The instance directory: telemetry and the UI's sign-up pop-up off, one warehouse writer at a time."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != INSTANCE_CONFIG:
        config.write_text(INSTANCE_CONFIG, encoding="utf-8")

