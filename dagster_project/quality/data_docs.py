"""GE Data Docs of the stored suites, built with GE's own renderer into exports/dq/ge_data_docs/.

The suites run in ephemeral contexts that keep no validation results (those are in
quality.ge_results and the DQ report), so the Data Docs show what each suite expects, in words.
GE's pages load bootstrap, jQuery and a logo (with the context's id) from public CDNs: a
Content-Security-Policy added to each page forbids every load from elsewhere, so the pages stay
offline (and unstyled) wherever they are opened.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from dagster_project.quality.suites import ALL_SUITES, load_suite, suite_path

OFFLINE_ONLY = """<meta http-equiv="Content-Security-Policy" content="default-src 'self' 'unsafe-inline' data:">"""


def build_data_docs(out_dir: Path) -> Path:
    """Render every suite under expectations/ to out_dir/ge_data_docs; returns its index.html.
    The pages show the suites alone, so they are rendered again only when a suite file changed
    (their digest is kept beside the pages): every run writes the DQ report, and GE's renderer
    takes about half a second."""
    target = out_dir / "ge_data_docs"
    stamp, suites = target / "suites.sha256", suites_digest()
    if (target / "index.html").exists() and stamp.exists() and stamp.read_text() == suites:
        return target / "index.html"
    import great_expectations as gx

    with tempfile.TemporaryDirectory() as tmp:
        context = gx.get_context(mode="file", project_root_dir=tmp)
        context.enable_analytics(False)  # no network at run time
        for spec in ALL_SUITES:
            context.suites.add(load_suite(spec.name)[1])
        context.build_data_docs()
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(tmp) / "gx" / "uncommitted" / "data_docs" / "local_site", target)
    for page in target.rglob("*.html"):
        page.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + OFFLINE_ONLY, 1), encoding="utf-8")
    stamp.write_text(suites)
    return target / "index.html"


def suites_digest() -> str:
    """The suite files, GE's version (its renderer) and the page header added here."""
    digest = hashlib.sha256((OFFLINE_ONLY + metadata.version("great-expectations")).encode())
    for spec in ALL_SUITES:
        digest.update(spec.name.encode() + b"\0" + suite_path(spec.name).read_bytes())
    return digest.hexdigest()
