"""Boundary files are read by content, matched on code or name, stored in the configuration, and a bad
file stops with exit 2 naming it.

The shapes here are squares written by hand around known points of Kota Bontang (longitude about
117.5 E, latitude about 0.13 N); expected matches are typed out from the Kemendagri list
(DOMAIN.md: 64.74.01.1001 Bontang Kuala, .1003 Lok Tuan, .1006 Api-api, 64.74.03.1003 Kanaan).
"""

from __future__ import annotations

import shutil

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from analysis import cli, config
from analysis.errors import RakorInputError
from analysis.intake import boundaries as b

BONTANG = "64.74"
KUALA, LOKTUAN, APIAPI, KANAAN = "64.74.01.1001", "64.74.01.1003", "64.74.01.1006", "64.74.03.1003"
N_KELURAHAN = 15  # Kota Bontang's kelurahan (DOMAIN.md §2)


def square(lng: float, lat: float, half: float = 0.005):
    return box(lng - half, lat - half, lng + half, lat + half)


@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    """A copy of config/ in use for the test (restored after it)."""
    folder = tmp_path / "config"
    shutil.copytree(config.DEFAULT_CONFIG_DIR, folder)
    monkeypatch.setattr(config, "CONFIG_DIR", config.CONFIG_DIR)
    monkeypatch.setenv("RAKOR_CONFIG", str(config.CONFIG_DIR))
    config.load_yaml.cache_clear()
    yield folder
    config.load_yaml.cache_clear()


def test_geojson_matched_on_code_and_on_name_and_the_rest_reported(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"kode": [KUALA, None, "64.72.01.1001", None],
         "nama": ["Bontang Kuala", "Loktuan", "Somewhere in Samarinda", "Kampung Entah"]},
        geometry=[square(117.51, 0.13), square(117.47, 0.165), square(117.15, -0.5), square(117.45, 0.12)],
        crs="EPSG:4326")
    path = tmp_path / "batas.geojson"
    gdf.to_file(path, driver="GeoJSON")
    shapes, report = b.match_features(b.read_boundary_file(path), BONTANG)
    assert list(shapes["kode"]) == [KUALA, LOKTUAN]  # gazetteer order
    assert list(shapes["nama"]) == ["Bontang Kuala", "Lok Tuan"]  # official names
    assert (report.by_code, report.by_name, report.outside) == (1, 1, 1)
    assert report.unmatched == ["Kampung Entah"]
    assert len(report.without_shape) == N_KELURAHAN - 2
    assert f"{KANAAN} Kanaan" in report.without_shape
    text = "\n".join(report.lines())
    assert "13 areas left without a shape" in text and "Kampung Entah" in text


def test_shapefile_with_bps_style_columns_and_undotted_codes(tmp_path):
    gdf = gpd.GeoDataFrame({"KDEPUM": ["6474011006", "6474031003"], "WADMKD": ["API-API", "Kanaan"]},
                           geometry=[square(117.49, 0.131), square(117.447, 0.123)], crs="EPSG:4326")
    gdf.to_file(tmp_path / "desa.shp")
    read = b.read_boundary_file(tmp_path / "desa.shp")
    shapes, report = b.match_features(read, BONTANG)
    assert list(shapes["kode"]) == [APIAPI, KANAAN]
    assert report.by_code == 2 and report.unmatched == []


def test_projected_shapefile_is_transformed_to_lng_lat(tmp_path):
    gdf = gpd.GeoDataFrame({"kode": [KUALA]}, geometry=[square(117.51, 0.13)], crs="EPSG:4326").to_crs("EPSG:32650")
    gdf.to_file(tmp_path / "utm.shp")
    read = b.read_boundary_file(tmp_path / "utm.shp")
    assert read.crs == "EPSG:4326"
    assert read.geometry.iloc[0].contains(Point(117.51, 0.13))


# A dump as cahyadsn/wilayah_boundaries writes it: [lat, lng] pairs; a polygon (3 levels of lists)
# and a multipolygon (4 levels), a name with an escaped quote. `lat`/`lng` is a point inside.
SQL = """/*
filename  : db/kel/64/wilayah_boundaries_kel_64.74.sql
MIT License
*/
INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES
\t('64.74.01.1001','Bontang Kuala',0.13,117.51,'[[[0.12,117.50],[0.12,117.52],[0.14,117.52],[0.14,117.50],[0.12,117.50]]]'),
\t('64.74.01.1006','Api-api',0.131,117.49,'[[[[0.125,117.485],[0.125,117.495],[0.135,117.495],[0.135,117.485],[0.125,117.485]]],[[[0.10,117.60],[0.10,117.61],[0.11,117.61],[0.10,117.60]]]]'),
\t('64.74.99.1999','Kampung O\\'Neil',0.2,117.4,'[[[0.19,117.39],[0.19,117.41],[0.21,117.41],[0.19,117.39]]]');
"""


def test_sql_dump_lat_lng_swapped_into_lng_lat(tmp_path):
    path = tmp_path / "wilayah_boundaries_kel_64.74.sql"
    path.write_text(SQL, encoding="utf-8")
    read = b.read_boundary_file(path)
    assert list(read["kode"]) == [KUALA, APIAPI, "64.74.99.1999"]
    assert read["nama"].iloc[2] == "Kampung O'Neil"
    kuala = read.geometry.iloc[0]
    # the row's own point (lat 0.13, lng 117.51) lies inside once x = lng and y = lat
    assert kuala.contains(Point(117.51, 0.13))
    assert not kuala.contains(Point(0.13, 117.51))
    assert read.geometry.iloc[1].geom_type == "MultiPolygon"
    assert read.geometry.iloc[1].contains(Point(117.49, 0.131))
    shapes, report = b.match_features(read, BONTANG)
    assert list(shapes["kode"]) == [KUALA, APIAPI]
    # a code of the region that the gazetteer does not know, and no name of it: unmatched
    assert report.unmatched == ["Kampung O'Neil (64.74.99.1999)"]


def test_import_stores_in_the_config_and_load_prefers_it_to_the_packaged_file(tmp_path):
    path = tmp_path / "b.sql"
    path.write_text(SQL, encoding="utf-8")
    cfg = tmp_path / "cfg"
    report = b.import_boundaries(path, BONTANG, config_dir=cfg)
    assert report.path == cfg / "boundaries" / "64.74.geojson" and report.path.is_file()
    loaded = b.load_boundaries(BONTANG, config_dir=cfg)
    assert list(loaded["kode"]) == [KUALA, APIAPI]
    assert loaded.geometry.iloc[0].contains(Point(117.51, 0.13))


def test_packaged_bontang_is_the_fallback_for_64_74_only(tmp_path):
    packaged = b.load_boundaries(BONTANG, config_dir=tmp_path)
    assert len(packaged) == N_KELURAHAN and packaged["kode"].str.startswith("64.74.").all()
    # each shape holds its kelurahan's point from the source's own lat/lng (Bontang Kuala 0.1336 N 117.5085 E)
    kuala = packaged.set_index("kode").geometry[KUALA]
    assert kuala.contains(Point(117.50849, 0.13358))
    assert b.load_boundaries("64.72", config_dir=tmp_path) is None


def test_swapped_geojson_is_rejected_naming_the_file(tmp_path):
    gdf = gpd.GeoDataFrame({"kode": [KUALA]}, geometry=[square(0.13, 117.51)], crs="EPSG:4326")
    path = tmp_path / "swapped.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(RakorInputError, match="swapped") as err:
        b.read_boundary_file(path)
    assert str(path) in str(err.value)


def test_file_without_code_or_name_column_is_an_input_error(tmp_path):
    gdf = gpd.GeoDataFrame({"luas": [1.0]}, geometry=[square(117.51, 0.13)], crs="EPSG:4326")
    path = tmp_path / "x.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(RakorInputError, match="no column with the Kemendagri code"):
        b.import_boundaries(path, BONTANG, config_dir=tmp_path / "cfg")


@pytest.mark.parametrize("content", [b"this is not a map\n", b"\x00\x01garbage", b'{"type": "FeatureCollection"'])
def test_cli_bad_file_is_exit_2_naming_the_file_without_traceback(tmp_path, capsys, config_copy, content):
    bad = tmp_path / "batas.geojson"
    bad.write_bytes(content)
    assert cli.main(["--config", str(config_copy), "boundaries", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err
    assert not (config_copy / "boundaries").exists()


def test_cli_imports_into_the_config_folder_and_reports(tmp_path, capsys, config_copy):
    path = tmp_path / "b.sql"
    path.write_text(SQL, encoding="utf-8")
    assert cli.main(["--config", str(config_copy), "boundaries", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert (config_copy / "boundaries" / "64.74.geojson").is_file()
    assert "2 areas of 64.74 have a shape" in out and "13 areas left without a shape" in out
