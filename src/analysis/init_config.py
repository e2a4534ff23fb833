"""``rakor init``: write a complete configuration for any kab/kota (or province) of Indonesia.

The new folder gets ``settings.yml`` (the defaults of ``config/`` with the region's code and
names from the Kemendagri gazetteer, no focus desa, and notes where a value is Bontang's and must
be adapted), ``sources.yml`` (copied), ``wilayah_aliases.yml`` (an empty skeleton), the
poverty-line table with the rows that apply to the region (its own, its province's, the nation's
and the extreme lines) and ``published/<code>.csv`` (the header, or the default's rows when the
default folder has the region's file). The result is validated as any configuration is
(:func:`analysis.config.validate_settings`) before the command ends.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from analysis import config
from analysis.errors import RakorInputError
from analysis.estimates import published as published_columns
from analysis.files import write_text
from analysis.intake.gazetteer import kind_of, region_table

__all__ = ["write_config"]

_ADAPT = ("# ADAPT: copied from the Kota Bontang defaults by `rakor init`; replace with {region}'s own "
          "{what} (with source and date) before the first rakor.\n")


def _replace_block_value(text: str, block: str, key: str, value: str) -> str:
    """Replace ``key: ...`` (first occurrence, comments kept) inside the top-level ``block:``."""
    pattern = re.compile(rf"(^{block}:\n(?:(?:[ \t].*|)\n)*?[ \t]+{key}:)[^\n]*", re.M)
    new, n = pattern.subn(lambda m: f"{m.group(1)} {value}", text, count=1)
    if n != 1:
        raise RakorInputError(f"{block}.{key} not found in the default settings.yml; cannot write a configuration")
    return new


def _settings_text(default: str, code: str, name: str, province: str, poverty_note: str) -> str:
    q = lambda s: yaml.safe_dump(s, allow_unicode=True, default_style='"').strip()  # noqa: E731
    t = _replace_block_value(default, "region", "name", q(name))
    t = _replace_block_value(t, "region", "province", q(province))
    t = _replace_block_value(t, "region", "code", q(code))
    t = _replace_block_value(t, "focus_kelurahan", "source", q(f"to be set by the rakor of {name}"))
    t = _replace_block_value(t, "focus_kelurahan", "codes",
                             "[]  # Kemendagri codes of the focus desa/kelurahan, e.g. \"" + code + ".01.2001\"")
    t = re.sub(r"^local_criteria:\n", lambda m: _ADAPT.format(region=name, what="local criteria") + m.group(0),
               t, count=1, flags=re.M)
    t = re.sub(r"^programmes:\n", lambda m: _ADAPT.format(region=name, what="programmes") + m.group(0),
               t, count=1, flags=re.M)
    t = re.sub(r"^poverty_line_table:\n", lambda m: poverty_note + m.group(0), t, count=1, flags=re.M)
    header = (f"# Configuration of {name} ({code}), written by `rakor init --region {code}` on "
              f"{date.today().isoformat()} from the defaults (Kota Bontang).\n"
              f"# Names and codes: Kemendagri gazetteer (Kepmendagri 300.2.2-2138/2025, cahyadsn/wilayah).\n"
              f"# Values marked ADAPT or TO BE REPLACED are Bontang's or a fallback: replace them.\n")
    return header + t


def _region_name(code: str, table: pd.DataFrame) -> str:
    name = table.loc[table["kode"] == code, "nama"].iloc[0]
    # The gazetteer writes "Kota X"/"Kabupaten X" for kab/kota and the bare name for a province.
    return f"Provinsi {name}" if kind_of(code) == "provinsi" else name


def write_config(region: str, out: Path | str, *, defaults: Path | str | None = None,
                 force: bool = False) -> list[str]:
    """Write a complete configuration for ``region`` into ``out``.

    Parameters
    ----------
    region
        Kemendagri code of a kab/kota (``"64.02"``) or a province (``"64"``).
    out
        The new configuration folder (created).
    defaults
        The configuration copied from; default :data:`analysis.config.DEFAULT_CONFIG_DIR`.
    force
        Overwrite an existing ``settings.yml`` in ``out``.

    Returns
    -------
    list of str
        Notes for the user: what was written and what is still Bontang's or a fallback.

    Raises
    ------
    RakorInputError
        Unknown region code, or ``out`` already holds a configuration and ``force`` is false.
    """
    region = str(region).strip()
    table = region_table(region)  # unknown or malformed codes stop here, naming the code
    defaults = Path(defaults) if defaults is not None else config.DEFAULT_CONFIG_DIR
    out = Path(out)
    if (out / "settings.yml").exists() and not force:
        raise RakorInputError(f"{out / 'settings.yml'} exists; choose another folder or pass --force")
    name = _region_name(region, table)
    province_code = region.split(".")[0]
    province = region_table(province_code).loc[lambda t: t["kode"] == province_code, "nama"].iloc[0]
    notes = []

    # Poverty lines: the rows that can apply (the region's, its province's, the nation's; a
    # province's kab/kota lines).
    default_settings = yaml.safe_load((defaults / "settings.yml").read_text(encoding="utf-8"))
    table_name = default_settings["poverty_line_table"]["table"]
    lines = pd.read_csv(defaults / table_name, dtype=str, keep_default_na=False)
    keep = lines["area_code"].isin([region, province_code, "00"]) | (lines["kind"] == "extreme")
    if kind_of(region) == "provinsi":  # a province: its kab/kota's own lines too
        keep |= lines["area_code"].str.startswith(region + ".")
    own = lines[(lines["kind"] == "poverty") & (lines["area_code"] == region)]
    lines = lines[keep]
    if own.empty:
        fallback = "province" if (lines["area_code"] == province_code).any() else "national"
        poverty_note = (f"# TO BE REPLACED: {table_name} holds no garis kemiskinan of {name}; the {fallback} "
                        f"line is used (and said so in the briefs). Add BPS's line of {name} ({region}) per year.\n")
        notes.append(f"poverty lines: no line of {name}; the {fallback} line applies until the region's "
                     f"own is added to {out / table_name}")
    else:
        poverty_note = ""
    out.mkdir(parents=True, exist_ok=True)
    write_text(lines.to_csv(index=False), out / table_name)

    default_text = (defaults / "settings.yml").read_text(encoding="utf-8")
    text = _settings_text(default_text, region, name, province, poverty_note)
    data = yaml.safe_load(text)
    config.validate_settings(data, out / "settings.yml")  # the written file is a valid configuration
    write_text(text, out / "settings.yml")
    shutil.copyfile(defaults / "sources.yml", out / "sources.yml")
    shutil.copyfile(defaults / "kbm.csv", out / "kbm.csv")  # national (Buku KIA): the same everywhere
    write_text(f"# Local spellings of desa/kelurahan and kecamatan names of {name}, mapped to Kemendagri codes\n"
               "# (name: \"code\"). The matcher normalises (case, spaces, hyphens), looks here, then fuzzy-matches.\n"
               f"source: \"to be collected from the OPD exports of {name}\"\n"
               "kelurahan: {}\nkecamatan: {}\n", out / "wilayah_aliases.yml")
    published = defaults / "published" / f"{region}.csv"
    (out / "published").mkdir(exist_ok=True)
    if published.is_file():
        shutil.copyfile(published, out / "published" / published.name)
    else:
        header = [*published_columns.REQUIRED_COLUMNS, *published_columns.OPTIONAL_COLUMNS]
        write_text(",".join(header) + "\n", out / "published" / f"{region}.csv")
        notes.append(f"published figures: none for {name}; add SSGI/SKI/BPS figures to "
                     f"{out / 'published' / (region + '.csv')}")
    notes.insert(0, f"wrote the configuration of {name} ({region}) to {out}: "
                    f"{(table['level'] == 'kecamatan').sum()} kecamatan, {(table['level'] == 'kelurahan').sum()} "
                    f"desa/kelurahan")
    notes.append("local criteria and programmes are Bontang's: adapt them in settings.yml")
    if kind_of(region) == "provinsi":
        kabkota = table.loc[table["level"] == "kabkota", "kode"]
        names = dict(zip(table["kode"], table["nama"], strict=True))
        without = [k for k in kabkota if not ((lines["kind"] == "poverty") & (lines["area_code"] == k)).any()]
        notes.append(f"province: briefs are one per kab/kota ({len(kabkota)}) plus the province's "
                     "(`--levels` adds kecamatan and desa briefs)"
                     + (f"; {len(without)} kab/kota without a line of their own use the province or "
                        f"national line until theirs are added to {out / table_name}: "
                        + ", ".join(f"{names[k]} ({k})" for k in without) if without else ""))
    return notes
