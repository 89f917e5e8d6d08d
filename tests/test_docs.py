from dagster_project.lib.contract_docs import render
from dagster_project.settings import REPO_ROOT


def test_inputs_doc_is_generated_from_the_registry():
    doc = (REPO_ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    assert doc == render(), "docs/inputs.md is stale: run python -m dagster_project.lib.contract_docs"
