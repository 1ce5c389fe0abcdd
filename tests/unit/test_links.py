"""core/links: which text is a link, where it leads, heading anchors, and the edits of a rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from milestone_lsp.core.edits import apply_edits
from milestone_lsp.core.links import (
    ProjectRoot,
    anchor_is_valid,
    github_slug,
    links_in,
    rename_edits,
    resolve,
)
from milestone_lsp.core.parser import parse
from milestone_lsp.core.workspace import Workspace


def workspace(files: dict[str, str], *, project: ProjectRoot | None = None) -> Workspace:
    ws = Workspace(parse(text, path) for path, text in files.items())
    ws.project = project if project is not None else ProjectRoot("", on_disk=False)
    return ws


def written(text: str) -> list[tuple[str, str, str | None]]:
    return [(link.kind, link.path, link.anchor) for link in links_in(parse(text, "a.md"))]


def test_links_definitions_and_mentions() -> None:
    text = (
        "See [M2](docs/m2.md#goal), [top](#plan) and DELIVERABLES.md, or `reports/q1.md`.\n"
        "[ref]: ./STATUS.md 'title'\n"
        '![chart](img/burn.png "Burn-up") [spaced](<docs/release notes.md>) [x](a(1).md)\n'
    )
    assert written(text) == [
        ("inline", "docs/m2.md", "goal"),
        ("inline", "", "plan"),
        ("mention", "DELIVERABLES.md", None),
        ("mention", "reports/q1.md", None),
        ("definition", "./STATUS.md", None),
        ("inline", "img/burn.png", None),
        ("inline", "docs/release notes.md", None),
        ("inline", "a(1).md", None),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[web](https://example.com/plan.md) and <https://example.com/x.md>",
        "[mail](mailto:lead@example.com)",
        "`[code](missing.md)` and \\[escaped](no.md)",
        "[no link](a b.md)",
        "[templated]({{ site.url }}/plan.md)",
        "```\n[fenced](x.md)\n```",
        "<!-- [commented](x.md) -->",
        "see https://example.com/docs/plan.md",
    ],
)
def test_what_is_no_link(text: str) -> None:
    assert [w for w in written(text) if w[0] != "mention"] == []
    assert all(not path.startswith(("http", "example")) for _, path, _ in written(text))


def test_github_slugs_and_loose_anchors() -> None:
    assert github_slug("Phase 2 — MVP Implementation") == "phase-2--mvp-implementation"
    assert github_slug("**Milestone:** `Search` [Live](x.md)") == "milestone-search-live"
    doc = parse("# Notes\n\n## Notes\n\n## Phase 2 — MVP\n\n<a name='evidence'></a>\n", "d.md")
    for anchor in ("notes", "notes-1", "phase-2--mvp", "phase-2-mvp", "Phase-2-MVP", "evidence"):
        assert anchor_is_valid(doc, anchor), anchor
    for anchor in ("top", "L12", "L3-L9"):
        assert anchor_is_valid(doc, anchor)
    assert not anchor_is_valid(doc, "phase-3")


def test_mentions_resolve_from_the_folder_then_the_root() -> None:
    ws = workspace({"DELIVERABLES.md": "# D\n", "docs/a.md": "DELIVERABLES.md and docs/a.md\n"})
    doc = ws.get("docs/a.md")
    assert doc is not None
    targets = [resolve(ws, doc, link) for link in links_in(doc)]
    assert [(t.path, t.base) for t in targets if t is not None] == [
        ("DELIVERABLES.md", "root"),
        ("docs/a.md", "root"),
    ]
    ws.project = None  # no project: a mention resolves from its own folder only
    assert [resolve(ws, doc, link) for link in links_in(doc)] == [None, None]


FILES = {
    "STATUS.md": (
        "# Status\n"
        "- [M2](docs/m2.md#milestone-search), [again](./docs/m2.md), [root](/docs/m2.md)\n"
        "- plain mention docs/m2.md, and one of another file: docs/other.md\n"
        "- [escaped](docs/m%202.md) [angled](<docs/m 2.md>)\n"
        "[m2]: docs/m2.md\n"
    ),
    "docs/m2.md": (
        "# M2\n\n## Milestone: Search\n\nBack to [status](../STATUS.md) and [other](other.md).\n"
    ),
    "docs/other.md": "# Other\n\nSee m2.md and [m2](m2.md#milestone-search).\n",
    "docs/m 2.md": "# Spaced\n",
}


def renamed(files: dict[str, str], renames: list[tuple[str, str]]) -> dict[str, str]:
    ws = workspace(files)
    edits = rename_edits(ws, renames)
    return {
        path: apply_edits(text, [e for e in edits if e.path == path])
        for path, text in files.items()
    }


def test_rename_a_file_rewrites_links_and_mentions_in_their_own_style() -> None:
    after = renamed(FILES, [("docs/m2.md", "plan/search.md")])
    assert after["STATUS.md"].splitlines()[1] == (
        "- [M2](plan/search.md#milestone-search), [again](./plan/search.md), "
        "[root](/plan/search.md)"
    )
    assert (
        "plain mention plan/search.md, and one of another file: docs/other.md"
        in (after["STATUS.md"])
    )
    assert "[m2]: plan/search.md" in after["STATUS.md"]
    assert (
        "See ../plan/search.md and [m2](../plan/search.md#milestone-search)."
        in (after["docs/other.md"])
    )
    # The moved file's own links still lead where they did, from its new folder.
    assert "[status](../STATUS.md) and [other](../docs/other.md)" in after["docs/m2.md"]


def test_rename_keeps_escapes_and_angle_brackets() -> None:
    after = renamed(FILES, [("docs/m 2.md", "docs/m 3.md")])
    assert "[escaped](docs/m%203.md) [angled](<docs/m 3.md>)" in after["STATUS.md"]


def test_rename_a_folder_moves_everything_below_it() -> None:
    after = renamed(FILES, [("docs", "plan")])
    assert "[M2](plan/m2.md#milestone-search)" in after["STATUS.md"]
    assert "one of another file: plan/other.md" in after["STATUS.md"]
    # Links between files that move together do not change.
    assert after["docs/other.md"] == FILES["docs/other.md"]
    assert after["docs/m2.md"] == FILES["docs/m2.md"]


def test_rename_touches_nothing_else() -> None:
    assert renamed(FILES, [("README.md", "INTRO.md")]) == FILES


def test_on_disk_targets_count(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "scan.go").write_text("package scan\n", encoding="utf-8")
    doc_path = str(tmp_path / "STATUS.md")
    ws = Workspace([parse("[scan](src/scan.go) [gone](src/gone.go)\n", doc_path)])
    ws.project = ProjectRoot(str(tmp_path))
    doc = ws.get(doc_path)
    assert doc is not None
    found = [resolve(ws, doc, link) for link in links_in(doc)]
    assert [t.exists for t in found if t is not None] == [True, False]
    assert ws.project.contains(str(tmp_path / "src" / "gone.go"))
    assert not ws.project.contains(str(tmp_path.parent / "elsewhere.md"))
