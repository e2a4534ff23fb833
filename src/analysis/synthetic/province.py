"""Synthetic sample of a province: one kab/kota sample per kab/kota, the survey of the province.

A province's data arrive as its agencies export them: e-PPGBM, DTSEN, the RT listings and the
programme lists per kab/kota (each kab/kota's files carry its name first,
``eppgbm/kab_bulungan_eppgbm_202501_tanjung_palas.csv``), and one Susenas file for the province
with BPS codes (r101-r104). Each kab/kota is the world of :func:`analysis.synthetic.world.simulate`
with its own seed (drawn from the province's), its own NIK serial range and focus desa whose names
are unique in the province; its survey sample is kept (strata and census blocks renumbered to be
unique in the province: ``KK`` of the BPS kab/kota code in front) and written into the one file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from analysis.files import write_text
from analysis.intake.gazetteer import region_table
from analysis.synthetic.base import SURVEY_PERIOD, stream
from analysis.synthetic.exports import _short_slug, _slug, write_exports
from analysis.synthetic.readme import readme_text
from analysis.synthetic.world import simulate

__all__ = ["generate_province"]

#: Sources written per kab/kota (the survey is the province's, in one file).
PER_KABKOTA = ("eppgbm", "dtsen", "pendataan_rt", "program")
#: NIK serials available to the kab/kota of a province (the RT listing's newcomers start at 9000).
SERIAL_RANGE = 8000


def _renumber_survey(world, kk_number: int) -> None:
    """Strata and census blocks unique in the province: the kab/kota's number in front."""
    s = world.susenas
    s["stratum"] = kk_number * 1000 + s["stratum"].astype(np.int64)
    s["nks"] = kk_number * 1_000_000 + s["nks"].astype(np.int64)
    s["hh_id"] = s["nks"].astype(str) + s["hh_no"].map("{:02d}".format)


def generate_province(out: Path, seed: int, scale: float, province: str) -> dict[str, Any]:
    """Write the synthetic sample of ``province`` into ``out``.

    Parameters
    ----------
    out
        The sample folder (exists).
    seed
        Seed of the province; each kab/kota's seed is drawn from it.
    scale
        Size multiplier, as for one kab/kota (:func:`analysis.synthetic.world.simulate`).
    province
        Kemendagri code of the province (``"65"``).

    Returns
    -------
    dict
        As :func:`analysis.synthetic.world.generate`; ``facts`` holds the province's sizes and each
        kab/kota's facts under ``kabkota``.
    """
    table = region_table(province)
    kabkota = table.loc[table["level"] == "kabkota", "kode"].tolist()
    seeds = stream(seed, f"province-{province}").integers(0, 2**31, len(kabkota))
    files: dict[str, int] = {}
    facts: dict[str, Any] = {"kabkota": {}}
    survey_lines: list[str] = []
    readmes = [f"# SYNTHETIC sample data — Provinsi {table.loc[table['kode'] == province, 'nama'].iloc[0]}"
               " (not real people)\n",
               f"Written by `rakor sample-data --region {province} --scale {scale:g} --seed {seed}`: one "
               f"sample per kab/kota ({len(kabkota)}), its files named after it, and one Susenas file of "
               "the province with BPS codes. Each kab/kota's own description follows.\n"]
    survey_name = f"susenas_{_slug(table.loc[table['kode'] == province, 'nama'].iloc[0])}_{SURVEY_PERIOD.replace('-', '')}.csv"
    with tempfile.TemporaryDirectory(prefix=".province-", dir=out) as tmp:
        for i, (kk, kk_seed) in enumerate(zip(kabkota, seeds, strict=True)):
            world = simulate(int(kk_seed), scale, kk, within=province,
                             serial_base=i * SERIAL_RANGE // len(kabkota))
            _renumber_survey(world, int(kk.split(".")[1]))
            world.file_unit = "kabkota"
            part = Path(tmp) / kk
            log = write_exports(world, part)
            prefix = _short_slug(world)
            prefix = ("kab_" if world.region_name.startswith("Kabupaten") else "kota_") + prefix
            for name, rows in log.files.items():
                source, fname = name.split("/", 1)
                if source == "susenas":
                    lines = (part / name).read_text(encoding="utf-8").splitlines(keepends=True)
                    survey_lines += lines if not survey_lines else lines[1:]
                    files[f"susenas/{survey_name}"] = files.get(f"susenas/{survey_name}", 0) + rows
                    continue
                target = out / source / f"{prefix}_{fname}"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(part / name, target)
                files[f"{source}/{target.name}"] = rows
            facts["kabkota"][kk] = world.facts
            readmes.append(f"\n## {world.region_name} ({kk}): files `*/{prefix}_*`\n\n"
                           + readme_text(world, log).split("\n", 1)[1])
    (out / "susenas").mkdir(parents=True, exist_ok=True)
    write_text("".join(survey_lines), out / "susenas" / survey_name)
    write_text("".join(readmes), out / "README.md")
    per = facts["kabkota"].values()
    facts |= {"families": sum(f["families"] for f in per), "children": sum(f["children"] for f in per),
              "susenas_households": sum(f["susenas_households"] for f in per), "kabkota_n": len(kabkota)}
    return {"out_dir": str(out), "seed": seed, "scale": float(scale), "region": province,
            "files": dict(sorted(files.items())), "facts": facts}
