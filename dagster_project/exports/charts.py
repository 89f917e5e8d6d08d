"""Bulletin charts (PNG, also embedded in the workbook) with a registered CJK font.

matplotlib ships no CJK glyphs; the project's setup installs Noto Sans CJK (`make fonts`, Debian's
fonts-noto-cjk) and this module registers it explicitly, so labels never fall back to tofu boxes.
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
    raise MissingCJKFont("no CJK font found for the charts: run `make fonts` (installs Debian's fonts-noto-cjk) "
                         "or set WATERSTAT_CJK_FONT to a .ttc/.otf/.ttf with Chinese glyphs")


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


def sector_chart(con: duckdb.DuckDBPyConnection, year: int, out: Path) -> Path:
    plt = _pyplot()
    *row, label = con.execute(f"""select {', '.join(SECTOR_LABELS)}, r.short_name_zh from marts.mart_water_use_by_region u
                          join marts.dim_regions r using (region_code)
                          where r.is_top_level and u.report_year = ?""", [year]).fetchone()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    values = [v / 1e8 for v in row]
    bars = ax.bar(list(SECTOR_LABELS.values()), values, color=["#4e79a7", "#f28e2b", "#59a14f", "#76b7b2"])
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values])
    ax.set_title(f"{year}年{label}分行业用水量")  # the top unit's short name in the register: 全市, 全省 …
    ax.set_ylabel("用水量（亿m³）")
    return _save(fig, out / f"图1_分行业用水量_{year}.png")


def intensity_chart(con: duckdb.DuckDBPyConnection, year: int, out: Path) -> Path:
    plt = _pyplot()
    series = con.execute("""select i.report_year, i.value from marts.fct_indicators i join marts.dim_regions r using (region_code)
                            where r.is_top_level and i.indicator_code = 'water_use_per_10k_gdp_decline_vs_base'
                              and i.caliber = 'statistical' and i.report_year <= ? order by 1""", [year]).fetchall()
    target = con.execute("""select t.target_value from ref.assessment_targets t join marts.dim_regions r using (region_code)
                            where r.is_top_level and t.report_year = ?
                              and t.indicator_code = 'water_use_per_10k_gdp_decline_vs_base'""", [year]).fetchone()
    base_year = con.execute("select min(report_year) from marts.fct_indicators").fetchone()[0]
    series = [(base_year, 0.0)] + [(y, v) for y, v in series if y != base_year]  # the base year is 0 by definition
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot([str(y) for y, _ in series], [v for _, v in series], marker="o", label="实际下降率")
    if target:
        ax.axhline(target[0], color="#e15759", linestyle="--", label=f"{year}年目标 {target[0]:g}%")
    ax.set_title("万元GDP用水量较基准年下降率（可比价）")
    ax.set_ylabel("下降率（%）")
    ax.legend()
    return _save(fig, out / f"图2_用水强度下降率_{year}.png")


def leakage_chart(con: duckdb.DuckDBPyConnection, year: int, out: Path) -> Path:
    plt = _pyplot()
    rows = con.execute("""select unit_name, leakage_rate_pct from marts.fct_public_supply_leakage
                          where report_year = ? order by leakage_rate_pct desc""", [year]).fetchall()
    fig, ax = plt.subplots(figsize=(7.5, max(3, 0.32 * len(rows) + 1)))
    ax.barh([r[0] for r in rows], [r[1] for r in rows], color="#4e79a7")
    ax.axvline(9, color="#e15759", linestyle="--", label="目标 9%")
    ax.invert_yaxis()
    ax.set_title(f"{year}年城市公共供水管网漏损率（按供水单位）")
    ax.set_xlabel("漏损率（%）")
    ax.legend()
    return _save(fig, out / f"图3_管网漏损率_{year}.png")


def bulletin_charts(con: duckdb.DuckDBPyConnection, year: int, out: Path) -> list[Path]:
    return [sector_chart(con, year, out), intensity_chart(con, year, out), leakage_chart(con, year, out)]
