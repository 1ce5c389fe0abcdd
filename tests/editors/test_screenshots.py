"""``make screenshots`` (docs/images/screenshots.py): a program run in a pseudo-terminal draws as
on a terminal, its output becomes an SVG that loads nothing from the network, and headless
Chromium turns that into a PNG of the SVG's size."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docs" / "images" / "screenshots.py"

# Colour only on a terminal, like rich and the dashboard; then report the terminal's size.
PROGRAM = """
import os, sys
if sys.stdout.isatty():
    print("\\x1b[1;32mDone\\x1b[0m 3/4 criteria \\u2501\\u2501\\u2501")
else:
    print("Done 3/4 criteria (not a terminal)")
print("size", *os.get_terminal_size())
"""


@pytest.fixture(scope="module")
def shots() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_program_runs_in_a_terminal_of_the_given_size(shots: ModuleType) -> None:
    out = shots.run_in_terminal([sys.executable, "-c", PROGRAM], REPO, columns=90, rows=30)
    assert "\x1b[1;32mDone\x1b[0m 3/4 criteria ━━━" in out
    assert "size 90 30" in out
    assert "\r" not in out


def test_the_svg_keeps_text_and_colour_and_refers_to_nothing_outside(shots: ModuleType) -> None:
    svg = shots.terminal_svg("\x1b[1;32mDone\x1b[0m 3/4 criteria\n", 90, title="progress")
    assert "Done" in svg and "3/4" in svg and "progress" in svg
    assert re.search(r"fill:\s*#[0-9a-f]{6};\s*font-weight:\s*bold", svg), "colour and bold lost"
    assert "@font-face" not in svg
    markup = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    assert not re.search(r"url\((?!#)|https?://(?!www\.w3\.org/)|@import", markup)
    assert '"DejaVu Sans Mono"' in svg


def test_chromium_renders_the_svg_at_its_size(shots: ModuleType, tmp_path: Path) -> None:
    if not any(shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome")):
        if os.environ.get("MILESTONE_LSP_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is not installed, and this run requires it")
        pytest.skip("Chromium is not installed (make test-vscode installs it and runs this)")
    svg = shots.terminal_svg("\x1b[1;32mDone\x1b[0m 3/4 criteria\n", 60, title="progress")
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    assert box is not None
    width, height = (round(float(v)) for v in box.groups())
    png = tmp_path / "shot.png"
    shots.svg_to_png(svg, png, shots.find_chromium())
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    got = struct.unpack(">II", data[16:24])  # the IHDR chunk: width, height
    assert got == (width * shots.SCALE, height * shots.SCALE)
