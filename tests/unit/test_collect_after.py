"""The server holds the garbage collector from a change's analysis until its diagnostics are
sent; holds overlap (several documents' changes), and the collector is on again after the last."""

from __future__ import annotations

import gc

import pytest

from milestone_lsp.lsp.diagnostics import _collect_after


def test_overlapping_holds_restore_the_collector_after_the_last() -> None:
    assert gc.isenabled()
    first, second = _collect_after(), _collect_after()
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()
    first.__exit__(None, None, None)  # the first change published, the second still running
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failed_or_cancelled_change_restores_the_collector() -> None:
    with pytest.raises(RuntimeError), _collect_after():
        raise RuntimeError("the publish failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with _collect_after():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
