"""Render the README's picture of the ``milestone-lsp progress`` dashboard (``make screenshots``).

The dashboard runs as a user would run it, in a terminal: a pseudo-terminal of a fixed size, so it
draws its colours and bars exactly as it would for a person. What it wrote is replayed into a
recording rich console, exported as SVG, and turned into a PNG by headless Chromium.

    python docs/images/screenshots.py [--workspace examples] [--output docs/images/progress.png]

Needs Chromium (``CHROMIUM`` or ``chromium`` on PATH; Debian: ``apt-get install chromium``).
Nothing is fetched from the network: the SVG's web font is dropped for the local monospace fonts.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
from pathlib import Path

from rich.console import Console
from rich.text import Text

REPO = Path(__file__).resolve().parents[2]
COLUMNS = 100
ROWS = 50
SCALE = 2  # device pixels per CSS pixel: sharp text on high-density screens
TIMEOUT_S = 120


def run_in_terminal(command: list[str], cwd: Path, columns: int, rows: int) -> str:
    """What ``command`` writes to a pseudo-terminal of ``columns`` x ``rows``, ANSI codes kept."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"}
    }
    env.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(columns), LINES=str(rows))
    with subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        os.close(slave)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError as exc:  # EIO: the terminal's other end closed
                if exc.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        _, stderr = process.communicate(timeout=TIMEOUT_S)
    if process.returncode not in (0, 1):
        # 1 is fine: a dashboard may exit 1 when it shows problems; 2 and above is a failure.
        sys.exit(
            f"`{' '.join(command)}` failed with exit code {process.returncode}:\n"
            f"{stderr.decode(errors='replace')}\n"
            "Check that the `progress` command works on the workspace, then run this again."
        )
    # The terminal turned every "\n" into "\r\n".
    return b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")


def terminal_svg(ansi: str, columns: int, title: str) -> str:
    """The terminal output as rich's SVG terminal window, using local monospace fonts only."""
    console = Console(
        record=True,
        width=columns,
        file=open(os.devnull, "w"),  # noqa: SIM115 - recorded, not shown
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    console.print(Text.from_ansi(ansi.rstrip("\n")))
    svg = console.export_svg(title=title)
    console.file.close()
    # Drop the @font-face rules (they load Fira Code from a CDN) and fall back to local fonts.
    svg = re.sub(r"@font-face\s*\{[^}]*\}\s*", "", svg)
    svg = re.sub(
        r"font-family:\s*Fira Code,\s*monospace;",
        'font-family: "Fira Code", "DejaVu Sans Mono", "Liberation Mono", monospace;',
        svg,
    )
    if re.search(r"url\((?!#)|@import|href=\"(?!#)", svg):
        raise RuntimeError("the exported SVG still refers to the network")
    return svg


def find_chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    sys.exit(
        "Chromium is needed to turn the SVG into a PNG: install it (Debian: "
        "`sudo apt-get install chromium`) or set CHROMIUM to its path."
    )


def svg_to_png(svg: str, output: Path, chromium: str) -> None:
    """Screenshot the SVG, at its own size, with headless Chromium."""
    match = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if match is None:
        raise RuntimeError("the SVG has no viewBox to size the screenshot by")
    width, height = (round(float(v)) for v in match.groups())
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
        f"html,body{{margin:0;padding:0;background:transparent}}"
        f"svg{{display:block;width:{width}px;height:{height}px}}"
        f"</style></head><body>{svg}</body></html>"
    )
    with tempfile.TemporaryDirectory(prefix="milestone-lsp-shot-") as tmp:
        html = Path(tmp) / "page.html"
        html.write_text(page, encoding="utf-8")
        shot = Path(tmp) / "shot.png"
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--hide-scrollbars",
                "--default-background-color=00000000",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                f"--force-device-scale-factor={SCALE}",
                f"--window-size={width},{height}",
                f"--screenshot={shot}",
                html.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        if done.returncode != 0 or not shot.exists():
            sys.exit(
                f"Chromium did not write a screenshot (exit {done.returncode}):\n{done.stderr}"
            )
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, output)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspace", type=Path, default=REPO / "examples")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "images" / "progress.png")
    parser.add_argument("--svg", type=Path, help="also keep the SVG here")
    parser.add_argument("--columns", type=int, default=COLUMNS)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    chromium = find_chromium()
    workspace = args.workspace.resolve()
    command = [sys.executable, "-m", "milestone_lsp", "progress", "--workspace", str(workspace)]
    ansi = run_in_terminal(command, cwd=workspace, columns=args.columns, rows=args.rows)
    if not ansi.strip():
        sys.exit(f"`{' '.join(command)}` printed nothing: there is no dashboard to picture.")
    svg = terminal_svg(ansi, args.columns, title="milestone-lsp progress")
    if args.svg:
        args.svg.write_text(svg, encoding="utf-8")
    svg_to_png(svg, args.output, chromium)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
