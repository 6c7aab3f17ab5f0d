"""The report site opened in headless Chromium: the coverage matrix and a report page show CJK
text, not tofu.

Tofu draws every character it has no glyph for as the same .notdef box. So each page is taken
twice: as the machine renders it, and with every CJK font hidden from fontconfig (what a machine
without fonts-noto-cjk shows). That second render must be tofu (its heading characters are
identical boxes: the check can see tofu), and the real one must differ from it, with each heading
character a glyph of its own.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from report.screenshot import screenshot
from tests.report.conftest import LANKAO, Site

pytestmark = pytest.mark.slow

# fontconfig without the fonts that cover Chinese or Japanese (Han characters)
NO_CJK_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""
# The page heading's box (report/templates/style.css: header padding 16px 24px, h1 32px/40px):
# CJK characters advance one em each.
HEADING_LEFT, HEADING_TOP, EM = 24, 16, 32
HEADING_CHARS = 6  # leading CJK characters of each heading checked, all distinct
PARSED, FAILING = (0xB7, 0xE1, 0xB0), (0xF4, 0xA6, 0xA6)  # style.css: .cov.parsed, .cov.failing
# Shapes closer than this are one shape: tofu boxes drawn at fractional positions differ by their
# anti-aliased edges (measured: at most 0.11), distinct glyphs differ by far more (at least 0.32).
SAME_SHAPE = 0.2


def ink(image: Image.Image) -> Image.Image:
    """255 where something dark is drawn, 0 elsewhere."""
    return image.convert("L").point(lambda v: 255 if v < 128 else 0)


def heading_band(image: Image.Image) -> Image.Image:
    return ink(image).crop((0, HEADING_TOP, image.width, HEADING_TOP + EM + 8))


def em_cells(image: Image.Image) -> list[Image.Image]:
    band = heading_band(image)
    return [
        band.crop((HEADING_LEFT + i * EM, 0, HEADING_LEFT + (i + 1) * EM, band.height))
        for i in range(HEADING_CHARS)
    ]


def blobs(band: Image.Image) -> list[Image.Image]:
    """The heading's drawn shapes left to right, split at columns without ink."""
    columns = [band.crop((x, 0, x + 1, band.height)).getbbox() is not None for x in range(band.width)]
    out, start = [], None
    for x, inked in enumerate([*columns, False]):
        if inked and start is None:
            start = x
        elif not inked and start is not None:
            out.append(band.crop((start, 0, x, band.height)))
            start = None
    return out


def same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


def shape_distance(a: Image.Image, b: Image.Image) -> float:
    """0 for the same shape, 1 for opposite ones: both cut to their ink and scaled to one size."""
    size = (EM, EM)
    a, b = (image.crop(image.getbbox()).resize(size, Image.Resampling.BILINEAR) for image in (a, b))
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0] / 255


@pytest.fixture(scope="module")
def no_cjk_fonts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    path.write_text(NO_CJK_FONTS, encoding="utf-8")
    return path


def renders(page: Path, folder: Path, fontless: Path) -> tuple[Image.Image, Image.Image]:
    real = screenshot(page, folder / f"{page.stem}.png")
    tofu = screenshot(page, folder / f"{page.stem}-no-cjk.png", fontconfig=fontless)
    assert real.stat().st_size > 0 and tofu.stat().st_size > 0
    return Image.open(real).convert("RGB"), Image.open(tofu).convert("RGB")


def assert_cjk_not_tofu(real: Image.Image, tofu: Image.Image) -> None:
    boxes = blobs(heading_band(tofu))[:HEADING_CHARS]
    assert len(boxes) == HEADING_CHARS
    assert all(shape_distance(boxes[0], box) < SAME_SHAPE for box in boxes), "the control is not tofu"
    assert not same(heading_band(real), heading_band(tofu))
    glyphs = em_cells(real)
    assert all(glyph.getbbox() is not None for glyph in glyphs), "a heading character drew nothing"
    for a, b in combinations(glyphs, 2):
        assert shape_distance(a, b) > SAME_SHAPE, "two distinct characters drew the same shape"
    assert all(shape_distance(glyph, boxes[0]) > SAME_SHAPE for glyph in glyphs), "a character drew tofu"


def colour_pixels(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(n for n, value in image.getcolors(image.width * image.height) if value == colour)


def test_coverage_matrix_shows_cjk_text_and_its_colours(
    sqlite_site: Site, no_cjk_fonts: Path, tmp_path: Path
):
    real, tofu = renders(sqlite_site.directory / "index.html", tmp_path, no_cjk_fonts)
    assert_cjk_not_tofu(real, tofu)
    # the matrix is on screen: cells of the parsed and failing reports in their colours
    assert colour_pixels(real, PARSED) > 500 and colour_pixels(real, FAILING) > 200


def test_report_page_shows_cjk_text(sqlite_site: Site, no_cjk_fonts: Path, tmp_path: Path):
    page = sqlite_site.report_page(LANKAO, 2020)
    real, tofu = renders(page, tmp_path, no_cjk_fonts)
    assert_cjk_not_tofu(real, tofu)
    assert colour_pixels(real, FAILING) > 500  # its failing cells
