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


def test_a_bare_done_state_after_a_copula_is_its_own_shape() -> None:
    f = features("Retention policy is defined")
    assert f["shape:copula-done-state"] == 1.0
    assert f["shape:bare-done-state"] == 1.0
    assert "shape:copula-participle" not in f
    # An adverb between copula and participle changes nothing; a complement does.
    assert "shape:bare-done-state" in features("Retention policy is carefully defined")
    assert "shape:done-state" not in features("Audit events are recorded in JSON lines")
    # A passive that reports behaviour is not a done-state.
    passive = features("Expired tokens are rejected")
    assert "shape:copula-participle" in passive and "shape:done-state" not in passive
    # "in place" says the same as a done-state participle.
    assert "shape:bare-done-state" in features("Alerting in place")


def test_activity_participles_and_trailing_adverbs() -> None:
    assert "shape:bare-done-state" in features("Capacity review conducted")
    # A closing adverb does not hide the participle it qualifies.
    assert "shape:bare-done-state" in features("Payment SDK integrated successfully")
    # "set" and "setup" close noun phrases as often as they close done-states.
    assert "shape:done-state" not in features("Complete glyph set")
    assert "shape:done-state" not in features("Lock prevents duplicates in multi-node setup")


def test_an_aside_in_parentheses_is_not_the_predicate() -> None:
    f = features("Badge renders in the sidebar (`badge.enabled` configured)")
    assert "shape:done-state" not in f
    assert "shape:done-state" in features(
        "Badge renders in the sidebar and `badge.enabled` configured"
    )


def test_tasks_in_the_imperative() -> None:
    assert features("Confirm the retry limits")["shape:bare-task"] == 1.0
    assert "shape:task" in features("Review `CONTRIBUTING.md`")
    assert "shape:task" in features("Check dashboards for gaps")
    assert "shape:task" in features("Stress test the gateway")
    # The same words as nouns, or a sentence with a verb of its own, are not tasks.
    assert "shape:task" not in features("Test coverage")
    assert "shape:task" not in features("Build works across three platforms")
    assert "shape:task" not in features("Load test script runs nightly and stores results")
    (span,) = analyze("Review the escalation runbook").spans
    assert span.word == "Review"
    assert "names work to do" in span.reason


def test_verbless_fragments_universal_claims_and_evaluative_modifiers() -> None:
    assert features("Observability dashboard")["shape:bare-fragment"] == 1.0
    assert "shape:fragment" not in features("Dashboard shows p95 latency")
    assert "shape:universal" in features("Theme switch works everywhere")
    assert "shape:universal" in features("Importer handles all malformed rows")
    assert "shape:universal" not in features("All 12 importer tests pass")
    assert "shape:universal" not in features("All importer tests pass")  # the scope, not a claim
    assert features("Exhaustive coverage of the parser")["shape:evaluative-modifier"] == 1.0


def test_capability_adjectives_are_not_evaluative() -> None:
    assert "shape:copula-capability" in features("Export path is configurable")
    assert "shape:copula-adjective" not in features("Export path is configurable")
    # A short stem is no verb: "legible" is a judgement, not a capability.
    assert "shape:copula-adjective" in features("Chart labels are legible")
    # "is sent" is a passive, not an adjective ending in "-ent".
    assert "shape:copula-adjective" not in features("A receipt is sent to the buyer")


def test_a_result_verb_qualified_by_a_soft_word_states_no_result() -> None:
    f = features("`/ready` responds correctly")
    assert f["shape:qualified-result"] == 1.0
    assert "check:result" not in f
    # The name stands before the verb: it is the subject, not a check.
    assert "check:subject-name" in f and "check:code" not in f
    assert "shape:qualified-result" in features("Invoice view shows realistic totals")
    answered = features("`/ready` responds with 200 within 50 ms")
    assert "shape:qualified-result" not in answered and "check:result" in answered
    assert "soft:attributive" in features("Exporter writes clean archives")
    assert "soft:attributive" not in features("Exporter archives are clean")  # the lexicon's


def test_check_words_are_whole_words() -> None:
    # The last part of a hyphenated word is a kind, not a check; "no longer" is not "no".
    assert "check:result" not in features("Archive viewer is read-only")
    assert "check:result" not in features("Beta flag is no longer experimental")
    assert "check:result" in features("Renderer output is snapshot-tested")
    assert "check:result" in features("No request leaves the sandbox")


def test_units_counts_hedges_and_conditions() -> None:
    # A hyphenated unit is a threshold; a leading "Zero" or numeral is a count.
    assert "check:threshold" in features("Survives a 45-minute soak")
    assert "check:count" in features("Zero dropped frames during replay")
    assert "check:count" in features("14 locales load without fallback")
    # Hedges and unscaled severities are soft.
    assert not analyze("Search results are genuinely useful").measurable
    assert not analyze("Confirm no major layout regressions").measurable
    assert not analyze("A small set of flows is covered").measurable
    # A comparative with "than" names its baseline.
    assert analyze("Cold start is faster than 800 ms on the reference phone").measurable
    # A state in a "when" clause is a condition, not the claim.
    assert "soft:state" not in features("Close the ticket when all subtasks complete")
    # Unnamed standards are open-ended; a named one is a bar.
    assert not analyze("Code follows the agreed conventions").measurable
    assert "soft:open" not in features("Code follows PEP 8 conventions")


def test_quoted_text_and_forbidden_fillers_are_literal() -> None:
    # A label in quotes is the text on screen, not the criterion's wording.
    assert "soft:judgement" not in features('"Learn more" link opens the guide')
    assert "check:code" in features('"Learn more" link opens the guide')
    # A filler word that the criterion forbids is not a placeholder.
    assert not analyze("No TODO markers left in `src/`").placeholder
    assert not analyze("Zero FIXME comments in the release branch").placeholder
    assert analyze("Latency target TBD").placeholder


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Upload limits are probably enforced", "probably"),
        ("Migration is partially reversible", "partially"),
        ("Release notes are comprehensive", "comprehensive"),
        ("Fixtures tested thoroughly", "thoroughly"),
        ("Worker shuts down gracefully", "gracefully"),
        ("Offline mode works to some extent", "to some extent"),
        ("Add export if time permits", "if time permits"),
    ],
)
def test_hedges_extent_words_and_concessions_are_located(text: str, word: str) -> None:
    """A claim taken back in part ("probably", "to some extent") or an extent with no
    measure ("comprehensive", "thoroughly") is vague, and the span is the soft part."""
    verdict = analyze(text)
    assert not verdict.measurable
    assert word in [span.word for span in verdict.spans]


def test_a_scope_word_alone_is_weaker_than_a_result_verb() -> None:
    assert "check:scope-only" in features("Sync never loses edits")
    assert "check:scope-only" in features("Drafts are published only with approval")
    # A result beside the scope word: the scope word no longer carries the check alone.
    assert "check:scope-only" not in features("Sync returns 200 and never loses edits")
    assert "check:scope-only" not in features("Invoice export shows the VAT number")


def test_a_finite_verb_makes_a_clause_not_a_fragment() -> None:
    assert "shape:fragment" not in features("Banner works everywhere")
    assert "shape:fragment" not in features("Importer supports CSV files")
    assert "shape:fragment" in features("Importer for CSV files")


def test_the_head_of_the_subject_names_a_quality_or_an_activity() -> None:
    assert features("Config portability")["shape:bare-abstract-head"] == 1.0
    assert features("Retry handling")["shape:bare-gerund-head"] == 1.0
    # The head is the word before a prepositional phrase, not the phrase's last word.
    assert "shape:abstract-head" in features("Data integrity for nightly imports")
    assert "shape:gerund-head" not in features("Cache for streaming")
    # A check answers the head: the shape stays, its bare form does not.
    answered = features("Retry handling stops after 3 attempts with exit code 2")
    assert "shape:gerund-head" in answered and "shape:bare-gerund-head" not in answered
    assert "shape:abstract-head" not in features("Upload button")


def test_participles_of_tidying_say_nothing_of_the_result() -> None:
    for text in ("Onboarding docs tidied", "Payment module refactored", "Error paths revisited"):
        verdict = analyze(text)
        assert "shape:bare-done-state" in features(text)
        assert not verdict.measurable
        (span,) = verdict.spans
        assert span.word == text.rsplit(" ", 1)[1]
    (tidied,) = analyze("Onboarding docs tidied").spans
    assert tidied.reason.startswith("'tidied' says something was done, not what must be true")
    assert analyze("Payment module refactored; `pytest tests/pay` passes").measurable
