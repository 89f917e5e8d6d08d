"""Where the checkout's own files are (the dbt project, its seeds and macros): fixed relative to
the code, unlike the WATERSTAT_* data paths (settings.py)."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
