"""The dbt project documents and tests itself: checked over the manifest (dbt parse), so a model
added without YAML, a key test or column descriptions fails here, not in review."""
from __future__ import annotations

import json
import re

import pytest

from dagster_project.settings import DBT_PROJECT_DIR

# Models without a primary key, and why: each failing item of a check family may repeat (check,
# year, region) with different details; a finding is one row per event.
KEYLESS = {"dq_balance_failures", "dq_magnitude_failures", "dq_return_failures", "dq_meter_failures",
           "fct_compliance_findings"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def models(manifest):
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["package_name"] == "waterstat"}


def tests_by_model(manifest) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for node in [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]:
        if node["resource_type"] in ("test", "unit_test"):
            kind = (node.get("test_metadata") or {}).get("name", node["resource_type"])
            for dep in node["depends_on"]["nodes"]:
                if dep.startswith("model.waterstat.") and (node["resource_type"] == "unit_test"
                                                           or node.get("attached_node") == dep):
                    out.setdefault(dep.split(".")[-1], set()).add(kind)
    return out


def test_every_model_is_tested_and_has_a_primary_key(manifest):
    tested = tests_by_model(manifest)
    untested = sorted(set(models(manifest)) - set(tested))
    assert not untested, f"models without any test: {untested}"
    keyless = sorted(m for m in models(manifest) if "primary_key" not in tested[m] and m not in KEYLESS)
    assert not keyless, f"models without a primary_key test: {keyless}"


def test_every_model_and_column_is_described(manifest):
    problems = []
    for name, node in models(manifest).items():
        if not node["description"].strip() or "TODO" in node["description"]:
            problems.append(f"{name}: no description")
        if not node["columns"]:
            problems.append(f"{name}: no columns in YAML")
        problems += [f"{name}.{c}: no description" for c, col in node["columns"].items()
                     if not col["description"].strip() or "TODO" in col["description"]]
    assert not problems, "\n".join(problems)


def test_the_marts_analysts_query_have_enforced_contracts(manifest):
    loose = sorted(n for n, node in models(manifest).items()
                   if node["fqn"][1] == "marts" and not node["config"]["contract"]["enforced"])
    assert not loose, f"marts without an enforced contract: {loose}"


def test_no_model_converts_units_after_staging():
    """Units are converted once, in staging (macros/staging/casts.sql): later SQL never calls to_m3."""
    offenders = [p.relative_to(DBT_PROJECT_DIR).as_posix() for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")
                 if "to_m3" in p.read_text(encoding="utf-8") and p.parent.name != "staging"]
    assert not offenders


def test_the_model_reference_is_generated_from_the_yaml(manifest):
    from dagster_project.lib.model_docs import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(manifest), \
        "docs/models.md is stale: run python -m dagster_project.lib.model_docs"


# Integer sums are exact already: counts of seconds, districts, copies and assessment points.
INTEGER_SUMS = {"overlap_s", "n_duplicate_copies", "n_sample_districts", "n_districts"}


def test_doubles_are_summed_exactly(manifest):
    """A bare sum() of doubles drifts in its last bits with the row order a parallel join yields;
    the exact_sum macro (dbt/macros/exact_sum.sql) is the one way models add doubles up. The
    windowed chain of index logarithms runs in year order, so it is deterministic as written."""
    loose = []
    for name, node in models(manifest).items():
        for m in re.finditer(r"(?<![\w])sum\(([^()]*(?:\([^()]*\))*[^()]*)\)(\s*over\b)?", node["raw_code"]):
            argument, windowed = m.group(1).strip(), m.group(2)
            if argument in INTEGER_SUMS or windowed or m.group(0).startswith("sum(round("):
                continue
            loose.append(f"{name}: {m.group(0)[:60]}")
    assert not loose, "sums of doubles outside exact_sum:\n" + "\n".join(loose)
