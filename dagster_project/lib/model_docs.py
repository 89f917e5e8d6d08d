"""docs/models.md, generated from the dbt project's YAML (through the manifest dbt parse writes):
every model with its description, key, contract and tests, and every column with its type and
description. The YAML is the one place a column is documented; this page only renders it
(`python -m dagster_project.lib.model_docs`; a test fails when the page is stale)."""
from __future__ import annotations

import json
import sys

from dagster_project.lib.repo_paths import DBT_PROJECT_DIR, REPO_ROOT

LAYERS = (("staging", "Staging (views over `raw`: renamed, cast, units converted to m³)"),
          ("intermediate", "Intermediate"), ("marts", "Marts (what analysts query; contracts enforced)"),
          ("reports", "Reports (one per bulletin and assessment table, in the units they print)"),
          ("quality", "Quality"))
DOC = REPO_ROOT / "docs" / "models.md"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _tests(manifest: dict, unique_id: str) -> tuple[list[str], list[str]]:
    """(the key columns of its primary_key test, the other tests' names) of a model."""
    key, names = [], set()
    for node in [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]:
        if node["resource_type"] == "unit_test" and unique_id in node["depends_on"]["nodes"] \
                and node.get("model") == unique_id.split(".")[-1]:
            names.add(f"unit test `{node['name']}`")
        elif node["resource_type"] == "test" and node.get("attached_node") == unique_id:
            meta = node["test_metadata"]
            if meta["name"] == "primary_key":
                key = meta["kwargs"]["columns"]
            else:
                column = node.get("column_name")
                names.add(f"{meta['name']}({column})" if column else meta["name"])
    return key, sorted(names)


def render(manifest: dict) -> str:
    models = sorted((n for n in manifest["nodes"].values()
                     if n["resource_type"] == "model" and n["package_name"] == "waterstat"),
                    key=lambda n: n["name"])
    out = ["# Model reference", "",
           "Generated from the dbt YAML (`dbt/models/**/_*.yml`) by `python -m dagster_project.lib.model_docs`;",
           "edit the YAML, not this page. How the layers fit together: [data_model.md](data_model.md).", ""]
    for layer, title in LAYERS:
        out += [f"## {title}", ""]
        for node in (n for n in models if n["fqn"][1] == layer):
            key, tests = _tests(manifest, node["unique_id"])
            config = node["config"]
            kind = config["materialized"] + (", contract enforced" if config["contract"]["enforced"] else "")
            out += [f"### `{node['schema']}.{node['name']}`", "", _cell(node["description"]), "",
                    f"- key: {', '.join(f'`{k}`' for k in key) or 'none'}; {kind}",
                    f"- tests: {', '.join(tests) or 'the key only'}", ""]
            if config["contract"]["enforced"]:  # the types are part of the contract
                out += ["| column | type | description |", "|---|---|---|"]
                out += [f"| `{name}` | {col['data_type']} | {_cell(col['description'])} |"
                        for name, col in node["columns"].items()]
            else:
                out += ["| column | description |", "|---|---|"]
                out += [f"| `{name}` | {_cell(col['description'])} |" for name, col in node["columns"].items()]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def load_manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


if __name__ == "__main__":
    DOC.write_text(render(load_manifest()), encoding="utf-8")
    print(f"wrote {DOC}")
    sys.exit(0)
