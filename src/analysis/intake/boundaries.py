"""Desa/kelurahan boundaries: read a boundary file, match its features to the region's areas, store
them in the configuration, and load them for the maps of the briefs.

Boundaries live in the configuration folder, ``<config>/boundaries/<region code>.geojson``
(:func:`boundaries_path`), written by ``rakor boundaries import FILE`` (:func:`import_boundaries`).
Kota Bontang's 15 kelurahan ship with the package (``analysis/data/bontang_kelurahan_boundaries.geojson``,
cahyadsn/wilayah_boundaries, MIT; see ``data/README.md``): the fallback for region ``64.74`` only.
A region without boundaries has none (:func:`load_boundaries` returns ``None``), and its briefs
show ranked charts instead of maps.

A boundary file is recognised by its content, not its name:

- the SQL dump of cahyadsn/wilayah_boundaries
  (``INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES ('64.74.01.1001','Bontang Kuala',…,'[[[lat,lng],…]]')``):
  ``path`` is a JSON polygon (or multipolygon) in **[lat, lng]** order, swapped here to (lng, lat);
- anything GDAL reads through pyogrio: GeoJSON, a shapefile (``.shp`` with its ``.dbf``/``.shx``,
  or zipped), a GeoPackage. Coordinates are transformed to WGS 84 (EPSG:4326).

Features are matched on the Kemendagri code (a column such as ``kode`` or ``KDEPUM``, dotted or
10 digits) and, for a feature without a code of the region, on its name within the region
(:class:`analysis.intake.gazetteer.Gazetteer`: the one name normaliser, the local aliases, fuzzy
matching that rejects rather than guesses). Features with a code of another region are left out.
Several features of one area are joined into one shape. The report names the features left
unmatched and the areas left without a shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon

from analysis import config, files
from analysis.errors import RakorInputError
from analysis.intake.gazetteer import Gazetteer, region_table

__all__ = ["PACKAGED", "ImportReport", "boundaries_path", "import_boundaries", "load_boundaries",
           "match_features", "read_boundary_file"]

#: Boundaries shipped with the package, by region code (the fallback when the configuration has none).
PACKAGED = {"64.74": config.PACKAGE_DATA / "bontang_kelurahan_boundaries.geojson"}
CRS = "EPSG:4326"
#: Longitude and latitude of Indonesia (with a margin): a file outside it has swapped or projected
#: coordinates, or is not of Indonesia.
INDONESIA_BOUNDS = (94.0, -11.5, 142.0, 6.5)

# Column names (lower case) that hold the Kemendagri code, the area name and the kecamatan name:
# cahyadsn (kode, nama), BIG's RBI (KDEPUM, WADMKD/NAMOBJ, WADMKC), and common spellings.
CODE_COLUMNS = ("kode", "kode_kemendagri", "kode_wilayah", "kode_desa", "kode_kel", "kode_kelurahan",
                "kdepum", "kd_desa", "kd_kel", "code")
NAME_COLUMNS = ("nama", "nama_desa", "nama_kel", "nama_kelurahan", "wadmkd", "namobj", "desa", "kelurahan",
                "name")
KECAMATAN_COLUMNS = ("nama_kecamatan", "nama_kec", "wadmkc", "kecamatan")

_SQL_HEAD = re.compile(r"INSERT\s+INTO\s+`?wilayah_boundaries`?\s*\(([^)]*)\)\s*VALUES", re.I)
# One row of the VALUES list: quoted texts ('' or \' inside), numbers or NULL.
_SQL_VALUE = r"(?:'(?:[^'\\]|\\.|'')*'|[-+0-9.eE]+|NULL)"
_SQL_ROW = re.compile(r"\(\s*(" + _SQL_VALUE + r"(?:\s*,\s*" + _SQL_VALUE + r")*)\s*\)", re.S)
_SQL_FIELD = re.compile(_SQL_VALUE, re.S)
_DESA_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


def boundaries_path(region_code: str | None = None, config_dir: Path | str | None = None) -> Path:
    """Where the imported boundaries of a region are stored: ``<config>/boundaries/<code>.geojson``.

    Parameters
    ----------
    region_code
        Kemendagri code of the region; default ``settings.yml: region.code``.
    config_dir
        The configuration folder; default the one in use (:data:`analysis.config.CONFIG_DIR`).

    Returns
    -------
    pathlib.Path
    """
    code = region_code or config.settings()["region"]["code"]
    return Path(config_dir or config.CONFIG_DIR) / "boundaries" / f"{code}.geojson"


def load_boundaries(region_code: str | None = None, config_dir: Path | str | None = None
                    ) -> gpd.GeoDataFrame | None:
    """The desa/kelurahan shapes of a region, or ``None`` when it has none.

    Parameters
    ----------
    region_code
        Kemendagri code of the region; default ``settings.yml: region.code``.
    config_dir
        The configuration folder; default the one in use.

    Returns
    -------
    geopandas.GeoDataFrame or None
        Columns ``kode, nama, geometry`` (WGS 84), one row per area with a shape: the imported
        file of the configuration, else the packaged one of the region (Bontang), else ``None``.
        Cached per file and modification time: treat as read-only.
    """
    code = region_code or config.settings()["region"]["code"]
    path = boundaries_path(code, config_dir)
    if not path.is_file():
        path = PACKAGED.get(code)
        if path is None or not path.is_file():
            return None
    return _read_stored(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _read_stored(path: str, mtime_ns: int) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs(CRS)
    return gdf[["kode", "nama", "geometry"]].to_crs(CRS)


def _fail(path: Path, reason: str) -> RakorInputError:
    return RakorInputError(f"{path}: cannot read boundaries: {reason}")


def _sql_text(value: str) -> str | None:
    if value == "NULL":
        return None
    if value.startswith("'"):
        return value[1:-1].replace("''", "'").replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")
    return value


def _latlng_polygon(path: object) -> Polygon | MultiPolygon:
    """A polygon from nested ``[lat, lng]`` lists (rings, polygons of rings, or a multipolygon)."""
    arr = path
    depth = 0
    while isinstance(arr, list) and arr:
        arr, depth = arr[0], depth + 1
    if depth == 2:  # one ring
        path = [path]
    if depth in (2, 3):  # a polygon: rings
        path = [path]
    if depth not in (2, 3, 4):
        raise ValueError("`path` is not a JSON polygon (nested lists of [lat, lng] pairs)")
    # [lat, lng] -> (x = lng, y = lat)
    polygons = [Polygon(np.asarray(rings[0], float)[:, ::-1], [np.asarray(r, float)[:, ::-1] for r in rings[1:]])
                for rings in path]
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _read_sql(path: Path, text: str) -> gpd.GeoDataFrame:
    """The rows of a cahyadsn/wilayah_boundaries SQL dump (``path`` in [lat, lng] order)."""
    records = []
    for head in _SQL_HEAD.finditer(text):
        columns = [c.strip().strip("`").lower() for c in head.group(1).split(",")]
        missing = [c for c in ("kode", "nama", "path") if c not in columns]
        if missing:
            raise _fail(path, f"the INSERT INTO wilayah_boundaries statement lacks the column(s) "
                              f"{', '.join(missing)} (columns: {', '.join(columns)})")
        end = text.find(";", head.end())
        body = text[head.end(): len(text) if end < 0 else end]
        # the statement ends at the first ';' (the dumps hold none inside their quoted values)
        for m in _SQL_ROW.finditer(body):
            values = [_sql_text(v) for v in _SQL_FIELD.findall(m.group(1))]
            if len(values) != len(columns):
                raise _fail(path, f"a row of {len(values)} values for {len(columns)} columns near "
                                  f"{m.group(0)[:60]!r}")
            records.append(dict(zip(columns, values, strict=True)))
    if not _SQL_HEAD.search(text):
        raise _fail(path, "no `INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path)` statement")
    if not records:
        raise _fail(path, "the INSERT INTO wilayah_boundaries statement has no rows")
    geoms = []
    for i, r in enumerate(records):
        try:
            geoms.append(_latlng_polygon(json.loads(r["path"] or "null")))
        except (ValueError, TypeError, IndexError) as exc:
            raise _fail(path, f"row {i + 1} (kode {r['kode']!r}): `path` is not a JSON polygon in "
                              f"[lat, lng] order ({exc})") from None
    return gpd.GeoDataFrame({"kode": [r["kode"] for r in records], "nama": [r["nama"] for r in records]},
                            geometry=geoms, crs=CRS)


def read_boundary_file(path: Path | str) -> gpd.GeoDataFrame:
    """Read a boundary file of any supported kind, in WGS 84.

    Parameters
    ----------
    path
        A cahyadsn/wilayah_boundaries SQL dump, a GeoJSON, a shapefile (or a zip holding one), a
        GeoPackage: recognised by content.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's attribute columns and ``geometry`` (EPSG:4326); polygons only.

    Raises
    ------
    RakorInputError
        The file is missing or unreadable, holds no polygons, or its coordinates do not lie in
        Indonesia (e.g. [lat, lng] swapped in a GeoJSON); the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise RakorInputError(f"{path}: boundary file not found")
    with path.open("rb") as fh:
        head = fh.read(65536)
    # an SQL dump: text that opens with a comment or holds an INSERT statement (a GeoJSON opens with "{")
    is_sql = b"\x00" not in head and (re.search(rb"INSERT\s+INTO", head, re.I) is not None
                                       or head.lstrip().startswith((b"/*", b"--")))
    if is_sql:
        gdf = _read_sql(path, path.read_text(encoding="utf-8", errors="replace"))
    else:
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # pyogrio/GDAL errors of every kind: the file is not one we read
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise _fail(path, f"not a GeoJSON, shapefile or wilayah_boundaries SQL dump ({reason})") from None
        if gdf.crs is None:
            gdf = gdf.set_crs(CRS)
        elif gdf.crs != CRS:
            gdf = gdf.to_crs(CRS)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    gdf = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise _fail(path, "it holds no polygons")
    x0, y0, x1, y1 = gdf.total_bounds
    w, s, e, n = INDONESIA_BOUNDS
    if not (w <= x0 and x1 <= e and s <= y0 and y1 <= n):
        raise _fail(path, f"its coordinates (longitude {x0:.3f} to {x1:.3f}, latitude {y0:.3f} to {y1:.3f}) "
                          "do not lie in Indonesia; are longitude and latitude swapped?")
    gdf = gdf.set_geometry(shapely.make_valid(gdf.geometry.to_numpy()))
    return gdf.reset_index(drop=True)


@dataclass
class ImportReport:
    """What an import matched.

    Attributes
    ----------
    region
        The region code.
    path
        Where the boundaries were stored (``None`` before they are written).
    by_code, by_name
        Number of areas matched on their Kemendagri code, and on their name.
    outside
        Features with a code of another region (left out).
    unmatched
        Features neither code nor name matched: ``"name (code)"`` as in the file.
    without_shape
        Areas of the region left without a shape: ``"code name"``.
    """

    region: str
    path: Path | None = None
    by_code: int = 0
    by_name: int = 0
    outside: int = 0
    unmatched: list[str] = field(default_factory=list)
    without_shape: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines for the terminal.

        Returns
        -------
        list of str
        """
        out = [f"{self.by_code + self.by_name} areas of {self.region} have a shape "
               f"({self.by_code} matched on the Kemendagri code, {self.by_name} on the name)"]
        if self.path is not None:
            out[0] += f"; stored in {self.path}"
        if self.outside:
            out.append(f"{self.outside} features of other regions left out")
        if self.unmatched:
            out.append(f"{len(self.unmatched)} features matched no area of {self.region}: "
                       + "; ".join(self.unmatched))
        if self.without_shape:
            out.append(f"{len(self.without_shape)} areas left without a shape: " + "; ".join(self.without_shape))
        return out


def _column(gdf: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    lower = {str(c).lower(): c for c in gdf.columns if c != "geometry"}
    return next((lower[c] for c in candidates if c in lower), None)


def _dotted(codes: pd.Series) -> pd.Series:
    """Kemendagri desa codes as dotted text; 10-digit codes get their dots ("6474011001")."""
    s = codes.astype("str").str.strip()
    ten = s.str.fullmatch(r"\d{10}").fillna(False)
    s = s.where(~ten, s.str.slice(0, 2) + "." + s.str.slice(2, 4) + "." + s.str.slice(4, 6) + "." + s.str.slice(6))
    return s.where(s.str.fullmatch(_DESA_CODE.pattern).fillna(False))


def match_features(gdf: gpd.GeoDataFrame, region_code: str | None = None,
                   gazetteer: Gazetteer | None = None) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Match boundary features to the desa/kelurahan of a region.

    Parameters
    ----------
    gdf
        Features from :func:`read_boundary_file`.
    region_code
        Kemendagri code of the region; default ``settings.yml: region.code``.
    gazetteer
        Names and codes to match against; default the region's (:func:`region_table`, the local
        aliases and fuzzy threshold of the configuration).

    Returns
    -------
    (geopandas.GeoDataFrame, ImportReport)
        One row per matched area (``kode, nama, geometry``; ``nama`` the official name; several
        features of one area joined), in gazetteer order; and the report.

    Raises
    ------
    RakorInputError
        The file has neither a code nor a name column, or no feature matches an area of the region.
    """
    code = region_code or config.settings()["region"]["code"]
    table = region_table(code)
    gaz = gazetteer or Gazetteer(table)
    areas = table[table["level"] == "kelurahan"]
    known = set(areas["kode"])
    report = ImportReport(region=code)
    code_col, name_col = _column(gdf, CODE_COLUMNS), _column(gdf, NAME_COLUMNS)
    kec_col = _column(gdf, KECAMATAN_COLUMNS)
    if code_col is None and name_col is None:
        cols = ", ".join(str(c) for c in gdf.columns if c != "geometry")
        raise RakorInputError(f"the boundary file has no column with the Kemendagri code ({', '.join(CODE_COLUMNS[:3])}, "
                              f"…) nor one with the area name ({', '.join(NAME_COLUMNS[:3])}, …); columns: {cols}")
    codes = _dotted(gdf[code_col]) if code_col else pd.Series(None, index=gdf.index, dtype="str")
    by_code = codes.isin(known)
    outside = codes.notna() & ~codes.str.startswith(code + ".").fillna(False)
    matched = codes.where(by_code)
    by_name = pd.Series(False, index=gdf.index)
    todo = ~by_code & ~outside
    if name_col is not None and todo.any():
        names = gdf.loc[todo, name_col].astype("str")
        kec = None
        if kec_col is not None:
            kec = gaz.match(gdf.loc[todo, kec_col].astype("str"), "kecamatan").code
        found = gaz.match(names, "kelurahan", kecamatan_code=kec).code
        matched[found.dropna().index] = found.dropna()
        by_name[found.dropna().index] = True
    report.outside = int(outside.sum())
    left = matched.isna() & ~outside
    name_of = gdf[name_col].astype("str") if name_col else pd.Series("", index=gdf.index, dtype="str")
    code_of = gdf[code_col].astype("str") if code_col else pd.Series("", index=gdf.index, dtype="str")
    report.unmatched = [f"{n} ({c})" if isinstance(c, str) and c else str(n)
                        for n, c in zip(name_of[left], code_of[left], strict=True)]
    keep = gpd.GeoDataFrame({"kode": matched[matched.notna()], "by_name": by_name[matched.notna()]},
                            geometry=gdf.geometry[matched.notna()], crs=gdf.crs)
    if keep.empty:
        raise RakorInputError(f"no feature of the boundary file matches a desa/kelurahan of {code} "
                              f"(on code or name); {len(gdf)} features read")
    joined = keep.dissolve(by="kode", aggfunc={"by_name": "max"}).reset_index()
    report.by_name = int(joined["by_name"].sum())
    report.by_code = len(joined) - report.by_name
    order = {c: i for i, c in enumerate(areas["kode"])}
    names = dict(zip(areas["kode"], areas["nama"], strict=True))
    joined = joined.assign(nama=joined["kode"].map(names), _o=joined["kode"].map(order)).sort_values("_o")
    report.without_shape = [f"{c} {names[c]}" for c in areas["kode"] if c not in set(joined["kode"])]
    out = gpd.GeoDataFrame(joined[["kode", "nama"]].reset_index(drop=True),
                           geometry=joined.geometry.reset_index(drop=True), crs=CRS)
    return out, report


def import_boundaries(path: Path | str, region_code: str | None = None,
                      config_dir: Path | str | None = None) -> ImportReport:
    """Read a boundary file, match it to the region's areas and store it in the configuration.

    Parameters
    ----------
    path
        The boundary file (see :func:`read_boundary_file`).
    region_code
        Kemendagri code of the region; default ``settings.yml: region.code``.
    config_dir
        The configuration folder; default the one in use.

    Returns
    -------
    ImportReport
        With ``path`` the stored ``<config>/boundaries/<code>.geojson``.

    Raises
    ------
    RakorInputError
        A file that cannot be read or matches no area (the message names the file).
    """
    code = region_code or config.settings()["region"]["code"]
    gdf = read_boundary_file(path)
    try:
        shapes, report = match_features(gdf, code)
    except RakorInputError as exc:
        raise RakorInputError(f"{path}: {exc}") from None
    target = boundaries_path(code, config_dir)
    files.write_text(shapes.to_json(drop_id=True, ensure_ascii=False), target)
    report.path = target
    return report
