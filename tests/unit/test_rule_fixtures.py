"""Every rule against its fixture: exact codes and ranges, and fixes that remove the finding.

Each rule has ``tests/fixtures/rules/<CODE>.md`` (or a ``<CODE>/`` folder for cross-file rules)
with cases that must fire and cases that must not, and ``<CODE>.expected`` listing the findings
as ``path line:col-line:col CODE`` (0-based, code points), one per line.
"""

from __future__ import annotations

import pytest

from milestone_lsp.core.positions import LineIndex
from milestone_lsp.rules.catalogue import all_rules
from tests.rulecheck import FIXTURES, apply_fix, describe, fixture_texts, run

CODES = [r.code for r in all_rules()]


def _expected(code: str) -> list[str]:
    path = FIXTURES / f"{code}.expected"
    return sorted(line.strip() for line in path.read_text().splitlines() if line.strip())


@pytest.mark.parametrize("code", CODES)
def test_fixture_exists(code: str) -> None:
    assert (FIXTURES / f"{code}.md").exists() or (FIXTURES / code).is_dir(), code
    assert (FIXTURES / f"{code}.expected").exists(), code


@pytest.mark.parametrize("code", CODES)
def test_findings_match_expected(code: str) -> None:
    texts = fixture_texts(code)
    assert describe(run(texts, code)) == _expected(code)


@pytest.mark.parametrize("code", CODES)
def test_each_fix_removes_its_finding_and_nothing_else(code: str) -> None:
    texts = fixture_texts(code)
    findings = run(texts, code)
    for finding in findings:
        for index, fix in enumerate(finding.fixes):
            after = apply_fix(texts, finding, index)
            # Text outside the edits is byte-identical.
            for path, before in texts.items():
                edits = [e for e in fix.edits if e.path == path]
                if not edits:
                    assert after[path] == before
                    continue
                index_before = LineIndex(before)
                first = min(index_before.offset(e.range.start) for e in edits)
                last = max(index_before.offset(e.range.end) for e in edits)
                assert after[path][:first] == before[:first]
                tail = len(before) - last
                assert after[path][len(after[path]) - tail :] == before[last:]
            if fix.applicability == "unsafe" and code == "MS501":
                continue  # the approval stub stays PENDING on purpose
            again = [
                f
                for f in run(after, code)
                if f.path == finding.path
                and f.range.start.line == finding.range.start.line
                and f.message == finding.message
            ]
            assert not again, f"{code}: fix {fix.title!r} left {again[0].message!r}"
