"""Rules about links between plan documents: a link to a file or heading that is not there
(MS404).

Links are read and resolved by :mod:`milestone_lsp.core.links`; this module only decides which
of them a person would call broken.
"""

from __future__ import annotations

from collections.abc import Iterable

from milestone_lsp.core.edits import TextEdit
from milestone_lsp.core.findings import Finding, Fix, Related, Severity
from milestone_lsp.core.links import (
    Link,
    anchor_is_valid,
    is_markdown,
    links_in,
    resolve,
    suggest_anchor,
    suggest_path,
)
from milestone_lsp.core.positions import Range
from milestone_lsp.rules.registry import RuleContext, rule


@rule(
    "MS404",
    "missing-link-target",
    Severity.WARNING,
    "A link to a markdown file that does not exist, or to a heading its document does not have.",
    fix="unsafe",
    scope="workspace",
)
def missing_link_target(ctx: RuleContext) -> Iterable[Finding]:
    """What it flags:
    A markdown link or reference definition in a plan document that leads nowhere:

    - to a markdown file (`.md`, `.markdown`) that exists neither in the workspace nor on
      disk, inside the project's folder (the folder of `.milestone-lsp.toml` or `.git`, or the
      editor's workspace folder);
    - to a heading anchor (`#acceptance-criteria`) that the linked document — or, for `#...`
      alone, the document itself — does not have.

    Conservative on purpose. Links to other kinds of files (source code, images, folders) are
    not judged: build output and generated files come and go. Nor are links leading outside the
    project, web addresses, templated paths (`{{ }}`), links in fenced code or HTML comments,
    and bare file names written in prose (`see DELIVERABLES.md`), which are links only when the
    file exists. When no project folder is known — a file checked on its own, outside any
    repository, or read from standard input — links to files are not judged at all, only
    anchors into documents that were read. Anchors are compared the way renderers make them:
    GitHub's slugs (`## Phase 2 — MVP` is `#phase-2--mvp`), letters and digits only, with
    `-1`, `-2` for repeated headings, explicit `id`/`name` anchors and `{#id}` attributes;
    `#top` and line anchors (`#L12`) always lead somewhere.

    Why:
    "Tracking Tools" keeps a project's state across STATUS.md, the milestone and deliverable
    definitions, status reports and DECISIONS.md; the links between them are how a reader gets
    from a claim to its evidence ("Verification Process", "Approval Gates › Approval Process").
    A link that leads nowhere hides the evidence, usually after a file was renamed or moved.

    Example that fires:
    ```markdown
    See [the M2 definition](docs/m2.md#acceptance) for the criteria.
    ```
    (with `docs/m2.md` renamed to `docs/M2-search.md`, or with no `## Acceptance` heading in it).

    Example that does not:
    ```markdown
    Scope: [internal/cli/scan.go](internal/cli/scan.go), see [the README](../README.md#setup),
    or DELIVERABLES.md when no such file exists.
    ```
    (a source file, a file outside the project, and a bare name are not judged).

    Fix safety:
    Unsafe: when a file of nearly the same name exists in the folder the link points into, or
    exactly one workspace document has the link's file name (the file was moved), or a heading
    slug is close to the anchor, the fix replaces the path or the anchor with it. It is a guess
    about what the link meant, so it is offered for review and never applied by fix-all.
    """
    ws = ctx.ws
    doc = ctx.doc
    project = ws.project
    for link in links_in(doc):
        if link.kind == "mention":
            continue
        if link.path_range is not None and not is_markdown(link.decoded_path):
            continue
        target = resolve(ws, doc, link)
        if target is None:
            continue
        if not target.exists:
            if project is None or not project.contains(target.path):
                continue
            yield _missing_file(ctx, link, target.path, suggest_path(ws, doc, link, target))
            continue
        if link.anchor is None or target.document is None:
            continue
        if anchor_is_valid(target.document, link.anchor):
            continue
        suggestion = suggest_anchor(target.document, link.anchor)
        yield _missing_anchor(ctx, link, target.document.path, suggestion)


def _missing_file(ctx: RuleContext, link: Link, path: str, suggestion: str | None) -> Finding:
    assert link.path_range is not None
    message = f"Link to '{link.path}', a markdown file that does not exist in the project"
    fixes: list[Fix] = []
    if suggestion is not None:
        message += f"; did you mean '{suggestion}'?"
        fixes.append(
            Fix(
                f"Change the link to '{suggestion}'",
                (TextEdit(ctx.doc.path, link.path_range, suggestion),),
                "unsafe",
            )
        )
    else:
        message += ". Correct the path, or remove the link if the file is gone"
    return ctx.finding(message, link.path_range, fixes=fixes)


def _missing_anchor(
    ctx: RuleContext, link: Link, target_path: str, suggestion: str | None
) -> Finding:
    assert link.anchor_range is not None
    where = "this document" if target_path == ctx.doc.path else f"'{link.path}'"
    message = f"Link to '#{link.anchor}', a heading that {where} does not have"
    fixes: list[Fix] = []
    related: list[Related] = []
    if suggestion is not None:
        message += f"; did you mean '#{suggestion}'?"
        fixes.append(
            Fix(
                f"Change the anchor to '#{suggestion}'",
                (TextEdit(ctx.doc.path, link.anchor_range, suggestion),),
                "unsafe",
            )
        )
    else:
        message += ". Link to one of its headings, or drop the anchor"
    if target_path != ctx.doc.path:
        related.append(Related(target_path, Range.of(0, 0), "the linked document"))
    return ctx.finding(message, link.anchor_range, fixes=fixes, related=related)
