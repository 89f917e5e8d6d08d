"""The ws_* parsing functions as SQL, from their one definition: the dbt macro ws_functions_sql().

dbt creates them itself (on-run-start); the loader needs the same functions before dbt ever runs,
for its row checks. The macro uses no dbt context, so plain jinja2 renders it here.
"""
from __future__ import annotations

from functools import cache

import jinja2

from dagster_project.lib.repo_paths import DBT_PROJECT_DIR

MACRO_FILE = "ws_functions.sql"


@cache
def ws_functions_sql() -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DBT_PROJECT_DIR / "macros"))
    return env.get_template(MACRO_FILE).module.ws_functions_sql()
