"""Security boundaries, observed from inside the real processes.

The server and the ``check`` command run under a Python audit hook (:pep:`578`) that records
every file opened, every directory listed, every file renamed or removed and every process
started. The tests then hold those records against the promises:

- nothing from a document or a config file is ever executed — not even through git, whose
  ``core.fsmonitor`` setting in a cloned repository names a program git would run;
- the server reads only markdown and config files, only below the workspace root (symlinks
  resolved first), and writes nothing: edits reach the disk only through the client;
- ``check --fix`` writes only the files it was asked to check, through a temporary file in the
  same folder renamed over the original, keeping permissions, BOM and line endings; a second
  run changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.e2e.conftest import TIMEOUT, close_doc, copy_examples, init_params, open_doc

REPO = Path(__file__).resolve().parents[2]

# Runs milestone-lsp with an audit hook that appends one JSON line per event to AUDIT_LOG.
AUDITED = r"""
import json, os, runpy, sys
_log = open(os.environ["AUDIT_LOG"], "a", buffering=1, encoding="utf-8")
_WATCHED = {
    "open", "os.listdir", "os.scandir", "os.rename", "os.replace", "os.remove", "os.unlink",
    "os.mkdir", "os.rmdir", "os.chmod", "os.truncate", "shutil.rmtree", "shutil.copyfile",
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
}
def _hook(event, args):
    if event in _WATCHED:
        try:
            _log.write(json.dumps([event, [a if isinstance(a, (int, str)) or a is None
                else os.fsdecode(a) if isinstance(a, (bytes, os.PathLike))
                else repr(a) for a in args]]) + "\n")
        except Exception:
            pass
sys.addaudithook(_hook)
sys.argv = ["milestone_lsp", *sys.argv[1:]]
runpy.run_module("milestone_lsp", run_name="__main__", alter_sys=True)
"""

# Folders whose files a Python process reads for itself (interpreter, libraries, our code).
_RUNTIME = (
    *(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}),
    str(REPO / "milestone_lsp"),
    *("/dev/", "/proc/", "/sys/", "/etc/", "/usr/"),
)
CONFIG_NAMES = (".milestone-lsp.toml", "pyproject.toml")
MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")


def read_events(log: Path) -> list[tuple[str, list[Any]]]:
    if not log.exists():
        return []
    events = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):  # the line the server is writing right now
            event, args = json.loads(line)
            events.append((event, args))
    return events


def opened(events: list[tuple[str, list[Any]]]) -> Iterator[tuple[str, str | None, int]]:
    """(path, mode, flags) of every ``open`` event."""
    for event, args in events:
        if event == "open" and isinstance(args[0], str):
            yield args[0], args[1], args[2] if isinstance(args[2], int) else 0


def writes(mode: str | None, flags: int) -> bool:
    if mode is not None:
        return any(c in mode for c in "wax+")
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))


def assert_only_known_programs(events: list[tuple[str, list[Any]]]) -> None:
    """Only git and our own history reader run; never a shell, never a program from input.

    git's ignore check is the one call that looks at the working tree, where git would run a
    repository's ``core.fsmonitor`` program: it must switch that off and skip the index.
    """
    assert not [e for e, _ in events if e in {"os.system", "os.exec", "os.posix_spawn"}]
    for event, args in events:
        if event != "subprocess.Popen":
            continue
        program, argv = Path(str(args[0])).name, str(args[1])
        assert program == "git" or (
            Path(str(args[0])).resolve() == Path(sys.executable).resolve()
            and "milestone_lsp" in argv
        ), args
        if "check-ignore" in argv:
            assert "core.fsmonitor=false" in argv and "--no-index" in argv, argv


def plant_fsmonitor(repo: Path, marker: Path) -> None:
    """Make ``repo`` a git repository whose config asks git to run a program that leaves
    ``marker`` behind (what a hostile clone would do)."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "config", "core.fsmonitor", f"touch {marker}; false"],
        check=True,
    )
    (repo / ".gitignore").write_text("ignored.md\n", encoding="utf-8")
    (repo / "ignored.md").write_text("# Ignored\n\nProgress: 10%\n", encoding="utf-8")


# -- the language server ------------------------------------------------------------------------


# One audit log per test run (the server's environment is fixed when the module is imported).
AUDIT_LOG = Path(tempfile.gettempdir()) / f"milestone-lsp-audit-{os.getpid()}.jsonl"
SERVER = ClientServerConfig(
    server_command=[sys.executable, "-c", AUDITED, "serve"],
    server_env={**os.environ, "AUDIT_LOG": str(AUDIT_LOG)},
)


@pytest.fixture(scope="module")
def audit_log() -> Iterator[Path]:
    # Not emptied here: the server may already be running (and writing) when this runs.
    yield AUDIT_LOG
    AUDIT_LOG.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.md").write_text("## Milestone: Outside Secret\n", encoding="utf-8")
    (folder / "secret.txt").write_text("not markdown\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, outside: Path) -> Path:
    root = copy_examples(tmp_path_factory.mktemp("secure"))
    plant_fsmonitor(root, root.parent / "PWNED-by-server")
    (root / "link-out.md").symlink_to(outside / "secret.md")
    (root / "link-dir").symlink_to(outside, target_is_directory=True)
    (root / "notes.txt").write_text("## Milestone: Not Markdown\n", encoding="utf-8")
    (root / "hostile.md").write_text(
        "# Status\n\n$(touch PWNED-dollar) `touch PWNED-backtick` <script>alert(1)</script>\n"
        "- [ ] {{ __import__('os').system('touch PWNED-template') }}\n"
        "<!-- milestone-lsp-disable-next-line $(touch PWNED-directive) -->\n"
        "Progress: 50%; rm -rf / #\n",
        encoding="utf-8",
    )
    return root


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, root: Path, audit_log: Path):  # type: ignore[no-untyped-def]
    @lsp_client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def refuse_edit(params: lsp.ApplyWorkspaceEditParams) -> lsp.ApplyWorkspaceEditResult:
        # The recompute command asks to rewrite the hostile document's figure; nothing written.
        return lsp.ApplyWorkspaceEditResult(applied=False, failure_reason="refused by the test")

    await lsp_client.initialize_session(init_params(root, client_capabilities("neovim")))
    await lsp_client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="milestone-lsp.workspaceProgress", arguments=[])
    )
    yield
    await lsp_client.shutdown_session()


async def exercise(client: LanguageClient, root: Path, outside: Path) -> None:
    """Every feature on the hostile document, and requests naming files outside the root."""
    uri = open_doc(client, root / "hostile.md")
    doc = lsp.TextDocumentIdentifier(uri=uri)
    for line in range(6):
        pos = lsp.Position(line=line, character=5)
        await client.text_document_hover_async(lsp.HoverParams(text_document=doc, position=pos))
        await client.text_document_completion_async(
            lsp.CompletionParams(text_document=doc, position=pos)
        )
        await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=doc,
                range=lsp.Range(start=pos, end=pos),
                context=lsp.CodeActionContext(diagnostics=[]),
            )
        )
    await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=doc))
    for target in (
        outside / "secret.md",
        outside / "secret.txt",
        root / "link-out.md",
        root / "link-dir" / "secret.md",
        root / "notes.txt",
    ):
        with pytest.raises(JsonRpcException, match="no such document"):
            await asyncio.wait_for(
                client.workspace_execute_command_async(
                    lsp.ExecuteCommandParams(
                        command="milestone-lsp.statusReport", arguments=[{"uri": target.as_uri()}]
                    )
                ),
                TIMEOUT,
            )
    for command in ("milestone-lsp.recomputeProgress", "milestone-lsp.statusReport"):
        with contextlib.suppress(JsonRpcException):  # no milestone here: what matters is below
            await client.workspace_execute_command_async(
                lsp.ExecuteCommandParams(command=command, arguments=[{"uri": uri}])
            )
    close_doc(client, uri)
    progress = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="milestone-lsp.workspaceProgress", arguments=[])
    )
    assert "Outside Secret" not in str(progress) and "Not Markdown" not in str(progress)


@pytest.mark.asyncio(loop_scope="module")
async def test_server_executes_nothing_from_documents_or_config(
    client: LanguageClient, root: Path, outside: Path, audit_log: Path
) -> None:
    await exercise(client, root, outside)
    assert not list(root.parent.glob("PWNED*")) and not list(root.glob("PWNED*"))
    assert not list(Path.cwd().glob("PWNED*"))
    assert_only_known_programs(read_events(audit_log))


@pytest.mark.asyncio(loop_scope="module")
async def test_server_reads_only_markdown_and_config_below_the_root(
    client: LanguageClient, root: Path, outside: Path, audit_log: Path
) -> None:
    await exercise(client, root, outside)
    real_root = str(root.resolve())
    reads = [str(Path(p).resolve()) for p, _m, _f in opened(read_events(audit_log))]
    assert str((root / "milestones.md").resolve()) in reads  # the hook did see the indexing
    for path, _mode, _flags in opened(read_events(audit_log)):
        real = str(Path(path).resolve())
        mine = real.startswith((real_root, str(outside.resolve())))
        if real.startswith(_RUNTIME) and not mine:
            continue  # the interpreter and libraries reading themselves
        assert real.startswith(real_root + os.sep), f"read outside the workspace: {path}"
        name = Path(real).name
        assert name.endswith(MARKDOWN) or name in CONFIG_NAMES or "/.git/" in real + "/", (
            f"read a file that is neither markdown nor config: {path}"
        )
    listed = [args[0] for event, args in read_events(audit_log) if event == "os.scandir"]
    for folder in listed:
        if isinstance(folder, str) and not str(Path(folder).resolve()).startswith(_RUNTIME):
            assert str(Path(folder).resolve()).startswith(real_root), folder


@pytest.mark.asyncio(loop_scope="module")
async def test_server_writes_nothing(
    client: LanguageClient, root: Path, outside: Path, audit_log: Path
) -> None:
    await exercise(client, root, outside)
    written = [
        path
        for path, mode, flags in opened(read_events(audit_log))
        if writes(mode, flags)
        and not path.startswith(("/dev/", "/proc/"))
        and path != os.environ.get("AUDIT_LOG")
    ]
    assert written == []
    changed = [
        (event, args)
        for event, args in read_events(audit_log)
        if event in {"os.rename", "os.replace", "os.remove", "os.unlink", "os.mkdir", "os.chmod"}
    ]
    assert changed == []


# -- check --fix --------------------------------------------------------------------------------

FIXABLE = "<!-- milestone-lsp-disable-next-line MS101 -->\n- [x] CI pipeline green\n"


def run_check(args: list[str], cwd: Path, log: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", AUDITED, "check", *args],
        cwd=cwd,
        env={**os.environ, "AUDIT_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def fixable_document(newline: str = "\n") -> str:
    """A STATUS.md with a safe fix to apply (an unused suppression, MS901)."""
    text = (
        "# Project Status\n\n## Milestones\n- [x] Foundation Complete (Phase 0)\n\n"
        "## Notes\n" + FIXABLE + "Done.\n"
    )
    return text.replace("\n", newline)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".milestone-lsp.toml").write_text("", encoding="utf-8")
    (project / "checked").mkdir()
    (project / "other").mkdir()
    return project


def test_fix_writes_only_named_files_atomically_keeping_format(
    project: Path, tmp_path: Path
) -> None:
    target = project / "checked" / "STATUS.md"
    bystander = project / "other" / "STATUS.md"
    original = b"\xef\xbb\xbf" + fixable_document("\r\n").encode()
    target.write_bytes(original)
    bystander.write_bytes(fixable_document().encode())
    target.chmod(0o640)
    before_other = bystander.read_bytes()
    log = tmp_path / "check.jsonl"

    first = run_check(["--fix", "--exit-zero", "checked/STATUS.md"], project, log)
    assert first.returncode == 0, first.stderr
    fixed = target.read_bytes()
    assert fixed != original, first.stdout
    assert fixed.startswith(b"\xef\xbb\xbf")  # BOM kept
    assert fixed.count(b"\r\n") == fixed.count(b"\n")  # every line still ends in CRLF
    assert b"milestone-lsp-disable" not in fixed
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # permissions kept
    assert bystander.read_bytes() == before_other  # not named: not touched

    events = read_events(log)
    real_target = str(target.resolve())
    written = [p for p, mode, flags in opened(events) if writes(mode, flags)]
    renames = [args for event, args in events if event in {"os.replace", "os.rename"}]
    assert real_target not in written  # never rewritten in place
    assert len(renames) == 1 and renames[0][1] == real_target
    temp = renames[0][0]
    assert Path(temp).parent == target.parent and temp in written  # temp file in the same folder
    assert [p for p in written if p != temp and p != str(log)] == []
    assert_only_known_programs(events)
    assert list(target.parent.iterdir()) == [target]  # no temp file left behind

    second = run_check(["--fix", "--exit-zero", "checked/STATUS.md"], project, log)
    assert second.returncode == 0
    assert target.read_bytes() == fixed
    assert ", 0 fixed" in second.stdout


def test_fix_of_a_folder_writes_only_files_found_in_it(project: Path, tmp_path: Path) -> None:
    inside = project / "checked" / "STATUS.md"
    outside_file = project / "other" / "STATUS.md"
    for path in (inside, outside_file):
        path.write_text(fixable_document(), encoding="utf-8")
    (project / "checked" / "link.md").symlink_to(outside_file)  # points out of the folder
    result = run_check(["--fix", "--exit-zero", "checked"], project, tmp_path / "log.jsonl")
    assert result.returncode == 0, result.stderr
    assert "milestone-lsp-disable" not in inside.read_text(encoding="utf-8")
    assert outside_file.read_text(encoding="utf-8") == fixable_document()


def test_fix_follows_a_symlink_and_keeps_it(project: Path, tmp_path: Path) -> None:
    real = project / "checked" / "real" / "STATUS.md"
    real.parent.mkdir()
    real.write_text(fixable_document(), encoding="utf-8")
    link = project / "checked" / "STATUS.md"
    link.symlink_to(Path("real") / "STATUS.md")
    result = run_check(["--fix", "--exit-zero", "checked/STATUS.md"], project, tmp_path / "l")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert "milestone-lsp-disable" not in real.read_text(encoding="utf-8")


def test_fix_leaves_read_only_files_alone(project: Path, tmp_path: Path) -> None:
    """A file without write permission is its owner's decision, even for root."""
    target = project / "checked" / "STATUS.md"
    target.write_text(fixable_document(), encoding="utf-8")
    target.chmod(0o444)
    result = run_check(["--fix", "--exit-zero", "checked/STATUS.md"], project, tmp_path / "l")
    assert target.read_text(encoding="utf-8") == fixable_document()
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert "read-only" in result.stdout + result.stderr


def test_check_runs_nothing_from_a_hostile_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    marker = tmp_path / "PWNED-by-check"
    plant_fsmonitor(repo, marker)
    (repo / ".milestone-lsp.toml").write_text(
        'docs_url = "$(touch PWNED-config)"\nextra_vague_words = ["`touch PWNED-word`"]\n',
        encoding="utf-8",
    )
    (repo / "STATUS.md").write_text(fixable_document(), encoding="utf-8")
    result = run_check(["--exit-zero", "."], repo, tmp_path / "log.jsonl")
    assert result.returncode == 0, result.stderr
    assert "ignored.md" not in result.stdout  # git's ignore rules still apply
    assert not marker.exists()
    assert not list(repo.glob("PWNED*")) and not list(tmp_path.glob("PWNED-c*"))
