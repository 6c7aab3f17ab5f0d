"""The CJK font the plots are drawn with, by path: Debian's fonts-noto-cjk, else fonts-wqy-zenhei
(scripts/ensure-debian-packages.sh installs the first for `make demo` and `make test`).

matplotlib's default fonts have no CJK glyphs: without one of these it would draw every label
as empty boxes, so the report stops with an error that says what to install instead.
"""

from __future__ import annotations

from pathlib import Path

# (file, family within it): the Simplified Chinese face of Noto's collection, then WenQuanYi
CJK_FONTS = (
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), "Noto Sans CJK SC"),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), "WenQuanYi Zen Hei"),
)


class FontMissing(RuntimeError):
    pass


def cjk_font(candidates: tuple[tuple[Path, str], ...] = CJK_FONTS) -> str:
    """Register the first CJK font found with matplotlib and return its family name."""
    from matplotlib import font_manager

    for path, family in candidates:
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            if family in {entry.name for entry in font_manager.fontManager.ttflist}:
                return family
    tried = ", ".join(str(path) for path, _ in candidates)
    raise FontMissing(
        f"no CJK font for the report's plots (looked for {tried}): "
        "install Debian's fonts-noto-cjk (bash scripts/ensure-debian-packages.sh fonts-noto-cjk)"
    )
