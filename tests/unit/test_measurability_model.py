"""The learned layer of the measurability analyzer: its features, its scoring, how analyze()
uses it, and the grouping of the cross-validation. Criteria here are invented."""

from __future__ import annotations

from types import ModuleType

import pytest

from milestone_lsp.rules.measurability import analyze, features
from milestone_lsp.rules.measurability_model import Model, load, model_from
from tests.clirun import load_script


def _trainer() -> ModuleType:
    """scripts/train_measurability.py, the script that writes the shipped weights."""
    return load_script("train_measurability")


def test_bare_done_state_is_a_feature_and_a_check_cancels_it() -> None:
    bare = features("Billing webhook configured")
    assert bare["shape:ends-participle"] == 1.0
    assert bare["shape:bare-participle"] == 1.0
    assert bare["check:none"] == 1.0
    checked = features("Billing webhook configured and forwarding 3/3 test events")
    assert "shape:bare-participle" not in checked
    assert "check:none" not in checked
    # Irregular participles are known by form too.
    assert "shape:bare-participle" in features("Migration guide written")


def test_evaluative_predicate_is_a_feature() -> None:
    assert features("Export dialog is usable")["shape:bare-adjective"] == 1.0
    assert "shape:bare-adjective" not in features("Export dialog is usable at 320 px width")
    assert features("Wizard finishes gracefully")["shape:adverb"] == 1.0
    assert "shape:adverb" not in features("Report runs daily")


def test_words_first_and_last_are_features_and_allowed_words_are_not() -> None:
    f = features("Ledger totals reconcile")
    assert {"w:ledger", "w:totals", "w:reconcile", "first:ledger", "last:reconcile"} <= set(f)
    assert "w:reconcile" not in features("Ledger totals reconcile", allowed=["reconcile"])


def test_done_state_verdict_points_at_the_participle() -> None:
    verdict = analyze("Billing webhook configured")
    assert not verdict.measurable
    (span,) = verdict.spans
    assert (span.word, span.start, span.end) == ("configured", 16, 26)
    assert span.reason.startswith("'configured' says something was set up, not how to see")
    # The explanation says what the kind of done-state leaves out.
    (written,) = analyze("Rollback procedure documented").spans
    assert written.reason.startswith("'documented' says something was written, not what it")
    assert "name the sections" in written.reason
    (decided,) = analyze("Escalation policy defined").spans
    assert "name the values, the rule" in decided.reason
    (other,) = analyze("Error paths revisited").spans
    assert other.reason.startswith("'revisited' says something was done, not what must be true")
    (activity,) = analyze("Load testing performed").spans
    assert activity.reason.startswith("'performed' says an activity took place, not what it")
    assert analyze("Billing webhook forwards 3/3 test events to `/hooks/pay`").measurable


def test_model_scoring() -> None:
    model = Model(bias=-1.0, weights={"a": 2.0, "b": -3.0}, threshold=0.5)
    assert model.probability({}) == pytest.approx(1 / (1 + 2.718281828**1.0))
    assert model.probability({"a": 1.0}) == pytest.approx(1 / (1 + 2.718281828**-1.0))
    assert model.probability({"b": 20.0}) == 0.0
    assert model.contributions({"a": 1.0, "b": 1.0, "c": 1.0}) == [("a", 2.0)]


def test_model_from_rejects_incomplete_weights() -> None:
    with pytest.raises(ValueError, match="bias"):
        model_from({"weights": {}, "threshold": 0.5})
    with pytest.raises(ValueError, match="threshold"):
        model_from({"weights": {}, "bias": 0.0})
    shipped = load()
    assert 0.5 <= shipped.threshold < 1.0
    assert shipped.weights


def test_analyze_uses_the_model_given() -> None:
    always = Model(bias=10.0, weights={}, threshold=0.5)
    never = Model(bias=-10.0, weights={}, threshold=0.5)
    text = "Ledger totals reconcile with the bank export"
    assert not analyze(text, model=always).measurable
    assert analyze(text, model=never).measurable
    # Placeholders are reported whatever the model says.
    assert analyze("Functional criterion 1", model=never).placeholder
    # The user's own vague words still count unless a threshold answers them.
    assert not analyze("Dashboard is snazzy", extra_vague=["snazzy"], model=never).measurable
    assert analyze(
        "Dashboard is snazzy (loads in < 2 s)", extra_vague=["snazzy"], model=never
    ).measurable


def test_text_in_other_languages_is_left_to_configured_words() -> None:
    always = Model(bias=10.0, weights={}, threshold=0.5)
    assert analyze("Ladezeit der Startseite unter zwei Sekunden", model=always).measurable
    assert analyze("导出功能完成", model=always).measurable


def test_allowed_words_leave_the_judgement_to_the_lexicon() -> None:
    always = Model(bias=10.0, weights={}, threshold=0.5)
    assert analyze("Onboarding is smooth", allowed=["smooth"], model=always).measurable
    assert not analyze("Onboarding is smooth and robust", allowed=["smooth"]).measurable


def test_folds_never_split_a_project() -> None:
    trainer = _trainer()
    rows = [
        trainer.Row("VAGUE" if i % 3 else "MEASURABLE", f"criterion {i}", f"p{i % 7}")
        for i in range(70)
    ]
    for n in (0, 3, 10):
        folds = trainer.folds_of(rows, n)
        projects = [p for fold in folds for p in fold]
        assert sorted(projects) == sorted({r.project for r in rows})  # each exactly once
        assert len(folds) == (7 if n in (0, 10) else 3)


def test_scores_leave_borderline_out_and_report_its_share() -> None:
    trainer = _trainer()
    rows = [
        trainer.Row("VAGUE", "a", "p"),
        trainer.Row("VAGUE", "b", "p"),
        trainer.Row("MEASURABLE", "c", "p"),
        trainer.Row("BORDERLINE", "d", "p"),
        trainer.Row("BORDERLINE", "e", "p"),
    ]
    s = trainer.score(rows, [True, False, True, True, False])
    assert (s.tp, s.fn, s.fp, s.tn) == (1, 1, 1, 0)
    assert s.precision == 0.5 and s.recall == 0.5
    assert s.borderline_flagged == 0.5


def test_a_name_alone_does_not_answer_a_done_state() -> None:
    named = features("`deploy.yaml` configured")
    assert named["check:name-only"] == 1.0
    assert named["shape:bare-participle"] == 1.0
    assert "check:name-only" not in features("`deploy.yaml` configured with 3 replicas")


def test_the_outcome_of_a_check_is_not_a_done_state() -> None:
    f = features("Accessibility audit passed")
    assert f["shape:ends-verdict"] == 1.0
    assert "shape:ends-participle" not in f
    assert "shape:ends-participle" in features("Accessibility audit scheduled")


def test_a_participle_in_a_negated_or_time_clause_is_not_the_done_state() -> None:
    assert "shape:ends-participle" in features("Saved drafts are restored")
    assert "shape:ends-participle" not in features("Saved drafts cannot be silently discarded")
    assert "shape:ends-participle" not in features(
        "The draft keeps its title after the last copy is deleted"
    )
