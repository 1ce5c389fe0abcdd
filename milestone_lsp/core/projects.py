"""Projects: which files make one plan.

A repository may hold several plans — two products side by side, a docs folder beside an
archive — and names repeat across them ("MVP Functional" in both). A *project* is the folder
holding a settings file (``.milestone-lsp.toml``, or a ``pyproject.toml`` with a
``[tool.milestone-lsp]`` table) or a ``STATUS.md``: the nearest such folder upward from a file,
never above the *boundary* (the repository root, or the editor's workspace folder), with
everything below it down to the next project. Where no folder up to the boundary is one, the
boundary itself is the project; a file outside every boundary is a project of its own folder.

Every cross-file fact — definitions, references, duplicates, approvals, progress, suggestions —
resolves inside one project: each project gets its own
:class:`~milestone_lsp.core.workspace.Workspace` (:class:`Projects`), so a rule never sees another
project's documents.

This module only assigns paths to projects; which folders are projects is decided by the shell
that knows the disk (``project/checking.py``) or the editor's buffers (``lsp/state.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from milestone_lsp.core.links import ProjectRoot
from milestone_lsp.core.model import Document
from milestone_lsp.core.workspace import Workspace

STATUS_NAME = "status.md"


def is_status_file(name: str) -> bool:
    """Whether a file name is a STATUS.md (any case), which makes its folder a project."""
    return name.lower() == STATUS_NAME


class ProjectLayout:
    """Assigns paths to project roots, given the boundaries and the folders that are projects."""

    def __init__(self, boundaries: Iterable[Path], roots: Iterable[Path]) -> None:
        # The innermost boundary wins for nested workspace folders.
        self.boundaries = sorted({Path(b) for b in boundaries}, key=lambda p: -len(p.parts))
        self.roots = frozenset(Path(r) for r in roots)
        self._memo: dict[Path, Path] = {}

    def boundary_of(self, folder: Path) -> Path | None:
        """The innermost boundary at or above ``folder`` (``None`` outside every boundary)."""
        for boundary in self.boundaries:
            if folder == boundary or folder.is_relative_to(boundary):
                return boundary
        return None

    def root_of_folder(self, folder: Path) -> Path:
        """The project of the files directly in ``folder``."""
        found = self._memo.get(folder)
        if found is not None:
            return found
        boundary = self.boundary_of(folder)
        result = folder if boundary is None else boundary
        for candidate in (folder, *folder.parents):
            if candidate in self.roots:
                result = candidate
                break
            if boundary is not None and candidate == boundary:
                break
        self._memo[folder] = result
        return result

    def root_of(self, path: Path) -> Path:
        """The project root of the file at ``path``."""
        return self.root_of_folder(path.parent)


class Projects:
    """The documents of every project, one :class:`Workspace` per project root.

    ``locate`` turns a document's path (as the shell names documents: absolute in the server,
    relative to the working directory on the command line) into a file system path.
    """

    def __init__(self, layout: ProjectLayout, locate: Callable[[str], Path] = Path) -> None:
        self.layout = layout
        self.locate = locate
        self.workspaces: dict[Path, Workspace] = {}
        self._root_of_path: dict[str, Path] = {}
        self._version = 0

    def root_for(self, path: str) -> Path:
        """The project root of the document at ``path`` (known or not)."""
        known = self._root_of_path.get(path)
        return known if known is not None else self.layout.root_of(self.locate(path))

    def workspace_for(self, path: str) -> Workspace:
        """The workspace of the project ``path`` belongs to (created empty when new)."""
        root = self.root_for(path)
        ws = self.workspaces.get(root)
        if ws is None:
            ws = self.workspaces[root] = Workspace()
            if self.layout.boundary_of(root) is not None:
                # Inside a workspace folder: links to files there can be judged (MS404).
                ws.project = ProjectRoot(str(root))
        return ws

    def add(self, doc: Document) -> Workspace:
        """Add or replace a document in its project; the project's workspace."""
        root = self.root_for(doc.path)
        previous = self._root_of_path.get(doc.path)
        if previous is not None and previous != root:
            self.workspaces[previous].remove(doc.path)
        self._root_of_path[doc.path] = root
        ws = self.workspace_for(doc.path)
        ws.add(doc)
        self._version += 1
        return ws

    def remove(self, path: str) -> None:
        """Forget a document."""
        root = self._root_of_path.pop(path, None)
        if root is not None:
            self.workspaces[root].remove(path)
            self._version += 1

    def get(self, path: str) -> Document | None:
        """The document at ``path``, in whichever project holds it."""
        root = self._root_of_path.get(path)
        return None if root is None else self.workspaces[root].get(path)

    def __iter__(self) -> Iterator[Document]:
        for root in sorted(self.workspaces):
            yield from self.workspaces[root]

    def __len__(self) -> int:
        return len(self._root_of_path)

    @property
    def version(self) -> int:
        """Bumped whenever a document is added, replaced, removed or moved to another project."""
        return self._version

    def relayout(self, layout: ProjectLayout) -> bool:
        """Move documents to the projects of a new layout; whether anything moved."""
        self.layout = layout
        moved = False
        for path in list(self._root_of_path):
            doc = self.get(path)
            root = layout.root_of(self.locate(path))
            if doc is not None and root != self._root_of_path[path]:
                self.workspaces[self._root_of_path[path]].remove(path)
                self._root_of_path[path] = root
                self.workspace_for(path).add(doc)
                moved = True
                self._version += 1
        for root in [r for r, ws in self.workspaces.items() if not ws.documents]:
            del self.workspaces[root]
        return moved
