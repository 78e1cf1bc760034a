"""The map's tile server setting and the Content-Security-Policy that follows from it."""

import pytest

from tracker import create_app


def csp_of(app) -> str:
    with app.test_client() as client:
        return client.get("/login").headers["Content-Security-Policy"]


def test_default_tiles_allowed_as_images_only(app):
    csp = csp_of(app)
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in csp
    assert "default-src 'self';" in csp and "script-src" not in csp


@pytest.mark.parametrize(("tile_url", "img_src"), [
    ("https://maps.agency.gov/tiles/{z}/{x}/{y}.png", "'self' data: https://maps.agency.gov"),
    ("/static/tiles/{z}/{x}/{y}.png", "'self' data:"),
    ("", "'self' data:"),
])
def test_agency_tile_server(app_config, tmp_path, monkeypatch, tile_url, img_src):
    monkeypatch.setenv("TRACKER_INSTANCE_PATH", str(tmp_path / "other"))
    other = create_app({**app_config, "MAP_TILE_URL": tile_url})
    assert f"img-src {img_src};" in csp_of(other)

