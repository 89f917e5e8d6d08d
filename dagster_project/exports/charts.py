"""Bulletin charts (PNG, also embedded in the workbook) with a registered CJK font.

matplotlib ships no CJK glyphs; the server needs a CJK font (Debian's fonts-noto-cjk: `make fonts` says
whether it is there) and this module registers it explicitly, so labels never fall back to tofu boxes.
Without one, MissingCJKFont names the command that installs it (the tables publish without charts).
Charts are written reproducibly (fixed metadata) so a published version can be regenerated.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path

import duckdb

CJK_FONT_CANDIDATES = (
    os.environ.get("WATERSTAT_CJK_FONT", ""),
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    *sorted(glob.glob("/usr/share/fonts/**/*[Cc][Jj][Kk]*Regular*.tt[cf]", recursive=True)),
    *sorted(glob.glob("/usr/share/fonts/**/wqy-*.tt[cf]", recursive=True)),
)
SECTOR_LABELS = {"agriculture_m3": "农业", "industry_m3": "工业", "domestic_m3": "生活", "ecological_m3": "人工生态环境补水"}


class MissingCJKFont(RuntimeError):
    pass


def cjk_font_path() -> Path:
    for candidate in CJK_FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise MissingCJKFont("no CJK font for the charts: the workbooks are published without them. An administrator "
                         "installs one with `sudo apt-get install fonts-noto-cjk` (Debian/Ubuntu), or sets "
                         "WATERSTAT_CJK_FONT to a .ttc/.otf/.ttf file with Chinese glyphs")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    plt.rcParams["font.family"] = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus
    plt.rcParams["svg.hashsalt"] = "waterstat"
    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None}, bbox_inches="tight")
    from matplotlib import pyplot as plt

    plt.close(fig)
    return path


def sector_chart(con: duckdb.DuckDBPyConnection, year: int, out: Path, unit: str) -> Path | None:
    """None when the unit has no use by sector that year (no rows, or a summary without sectors)."""
    found = con.execute(f"""select {', '.join(SECTOR_LABELS)}, r.short_name_zh from marts.mart_water_use_by_region u
                          join marts.dim_regions r using (region_code)
                          where u.region_code = ? and u.report_year = ? and u.has_sector_split""",
                        [unit, year]).fetchone()
    if found is None:
        return None
    plt = _pyplot()
    *row, label = found
    fig, ax = plt.subplots(figsize=(6.4, 4))
    values = [v / 1e8 for v in row]
    bars = ax.bar(list(SECTOR_LABELS.values()), values, color=["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2"])
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values])
    ax.set_title(f"{year}年{label}分行业用水量")  # the unit's short name in the register
    ax.set_ylabel("用水量（亿m³）")
    return _save(fig, out / f"图1_分行业用水量_{year}.png")


def intensity_chart(con: duckdb.DuckDBPyConnection, year: int, out: Path, unit: str) -> Path:
    plt = _pyplot()  # drawn whatever the data: the base year is 0 by definition
    period = con.execute("select base_year from deployment.base_years where ? between first_year and last_year",
                         [year]).fetchone()
    base_year = period[0] if period else year
    series = con.execute("""select report_year, value from marts.fct_indicators
                            where region_code = ? and indicator_code = 'water_use_per_10k_gdp_decline_vs_base'
                              and caliber = 'statistical' and report_year between ? and ? order by 1""",
                         [unit, base_year + 1, year]).fetchall()
    target = con.execute("""select target_value from deployment.assessment_targets
                            where region_code = ? and report_year = ? and caliber = 'statistical'
                              and indicator_code = 'water_use_per_10k_gdp_decline_vs_base'""", [unit, year]).fetchone()
    series = [(base_year, 0.0)] + series  # the base year is 0 by definition
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot([str(y) for y, _ in series], [v for _, v in series], marker="o", label="实际下降率")
    if target:
        ax.axhline(target[0], color="#e15759", linestyle="--", label=f"{year}年目标 {target[0]:g}%")
    ax.set_title("万元GDP用水量较基准年下降率（可比价）")
    ax.set_ylabel("下降率（%）")
    ax.legend()
    return _save(fig, out / f"图2_用水强度下降率_{year}.png")


def leakage_chart(con: duckdb.DuckDBPyConnection, year: int, out: Path, unit: str) -> Path | None:
    """None when no public supplier of the unit reported that year."""
    rows = con.execute("""select l.unit_name, l.leakage_rate_pct from marts.fct_public_supply_leakage l
                          join deployment.region_ancestors a on a.member_region_code = l.region_code
                          where l.report_year = ? and a.region_code = ?
                          order by l.leakage_rate_pct desc""", [year, unit]).fetchall()
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, max(3, 0.32 * len(rows) + 1)))
    ax.barh([r[0] for r in rows], [r[1] for r in rows], color="#4e79a7")
    target = con.execute("""select target_value from deployment.assessment_targets where region_code = ?
                            and report_year = ? and indicator_code = 'network_leakage_rate'""", [unit, year]).fetchone()
    if target:  # the unit's own target, when the deployment sets one
        ax.axvline(target[0], color="#e15759", linestyle="--", label=f"目标 {target[0]:g}%")
        ax.legend()
    ax.invert_yaxis()
    ax.set_title(f"{year}年城市公共供水管网漏损率（按供水单位）")
    ax.set_xlabel("漏损率（%）")
    return _save(fig, out / f"图3_管网漏损率_{year}.png")


def bulletin_charts(con: duckdb.DuckDBPyConnection, year: int, out: Path, unit: str) -> list[Path]:
    """The charts the unit's data supports that year."""
    charts = [sector_chart(con, year, out, unit), intensity_chart(con, year, out, unit),
              leakage_chart(con, year, out, unit)]
    return [c for c in charts if c is not None]
