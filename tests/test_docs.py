from dagster_project.lib.contract_docs import render
from dagster_project.settings import REPO_ROOT
from tests.conftest import new_warehouse


def test_inputs_doc_is_generated_from_the_registry():
    doc = (REPO_ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    assert doc == render(), "docs/inputs.md is stale: run python -m dagster_project.input_docs"


def test_every_sample_file_meets_its_contract(tmp_path):
    import shutil


    from dagster_project.ingest.loader import load_source
    from dagster_project.lib.contract_docs import sample_name
    from dagster_project.lib.contracts import SOURCES

    con = new_warehouse(tmp_path)
    for source in SOURCES:
        folder = tmp_path / "raw" / source.file_glob.split("/")[0]
        folder.mkdir(parents=True, exist_ok=True)
        name = source.file_glob.split("/")[1].replace("*", "sample")
        shutil.copyfile(REPO_ROOT / "docs" / "samples" / sample_name(source), folder / name)
        summary = load_source(con, source, tmp_path / "raw", settle_seconds=0)
        assert [o.status for o in summary.outcomes] == ["loaded"], (source.name, summary.outcomes)
        assert summary.rows_loaded > 0 and summary.rows_quarantined == 0, source.name
