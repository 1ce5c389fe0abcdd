"""Train the learned layer of the measurability analyzer and measure it honestly.

    .venv/bin/python scripts/train_measurability.py [--dev PATH] [--folds N] [--write]

Reads a labelled criteria file (TSV with columns label, criterion, source_file; labels
MEASURABLE, VAGUE, BORDERLINE), prints project-grouped cross-validation figures for the VAGUE
class (each held-out project is judged by a model trained without it; BORDERLINE rows are not
scored, only the share flagged is reported) and the in-sample figures, and with ``--write``
stores the model trained on every scored row in milestone_lsp/data/measurability_model.json.

Needs scikit-learn (a development dependency); the package itself only reads the JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from milestone_lsp.rules.measurability import analyze, features  # noqa: E402
from milestone_lsp.rules.measurability_model import Model, model_from  # noqa: E402

DEFAULT_DEV = ROOT.parent / "shared" / "corpus" / "criteria_dev.tsv"
OUTPUT = ROOT / "milestone_lsp" / "data" / "measurability_model.json"

# A feature is learned only when it occurs in this many projects of the training rows: a word
# seen in one or two projects says more about those projects than about criteria.
MIN_PROJECTS = 3
# Inverse regularisation strength and the decision threshold on the probability of 'vague'.
# The threshold is above one half because a false alarm costs more than a miss.
C = 0.5
THRESHOLD = 0.7


@dataclass(frozen=True)
class Row:
    label: str
    criterion: str
    project: str


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int
    borderline_flagged: float

    def line(self) -> str:
        return (
            f"P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f} "
            f"tp={self.tp} fp={self.fp} fn={self.fn} tn={self.tn} "
            f"borderline flagged={self.borderline_flagged:.1%}"
        )


def load_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Row(r["label"], r["criterion"], r["source_file"])
            for r in csv.DictReader(fh, delimiter="\t")
        ]


# The grid the nested cross-validation chooses from (--nested).
C_GRID = (0.25, 0.5, 1.0)
THRESHOLD_GRID = (0.6, 0.65, 0.7, 0.75)
# The precision the nested choice must keep on the inner folds.
MIN_PRECISION = 0.9


def fit(
    rows: Sequence[Row],
    feats: Sequence[dict[str, float]],
    c: float | None = None,
    threshold: float | None = None,
) -> Model:
    """A model trained on the scored rows given (BORDERLINE rows are left out)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    scored = [i for i, r in enumerate(rows) if r.label != "BORDERLINE"]
    projects: dict[str, set[str]] = {}
    for i in scored:
        for name in feats[i]:
            projects.setdefault(name, set()).add(rows[i].project)
    keep = {name for name, seen in projects.items() if len(seen) >= MIN_PROJECTS}
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([{k: v for k, v in feats[i].items() if k in keep} for i in scored])
    y = [rows[i].label == "VAGUE" for i in scored]
    lr = LogisticRegression(C=C if c is None else c, max_iter=5000, class_weight="balanced")
    lr.fit(x, y)
    weights = {
        str(name): round(float(w), 4)
        for name, w in zip(vectorizer.get_feature_names_out(), lr.coef_[0], strict=True)
        if abs(w) >= 1e-4
    }
    return model_from(
        {
            "bias": round(float(lr.intercept_[0]), 4),
            "weights": weights,
            "threshold": THRESHOLD if threshold is None else threshold,
        }
    )


def score(rows: Sequence[Row], flagged: Sequence[bool]) -> Scores:
    tp = fp = fn = tn = 0
    border = border_flagged = 0
    for row, flag in zip(rows, flagged, strict=True):
        if row.label == "BORDERLINE":
            border += 1
            border_flagged += flag
            continue
        gold = row.label == "VAGUE"
        tp += flag and gold
        fp += flag and not gold
        fn += gold and not flag
        tn += not flag and not gold
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, fp, fn, tn, border_flagged / border if border else 0.0)


def folds_of(rows: Sequence[Row], n_folds: int) -> list[set[str]]:
    """Projects split into n_folds groups of similar row counts (n_folds=0: one per project)."""
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row.project] = sizes.get(row.project, 0) + 1
    if n_folds <= 0 or n_folds >= len(sizes):
        return [{p} for p in sorted(sizes)]
    groups: list[set[str]] = [set() for _ in range(n_folds)]
    totals = [0] * n_folds
    for project in sorted(sizes, key=lambda p: (-sizes[p], p)):
        k = totals.index(min(totals))
        groups[k].add(project)
        totals[k] += sizes[project]
    return groups


def grouped_cv(rows: Sequence[Row], n_folds: int = 10) -> Scores:
    """Each fold's projects judged by analyze() with a model trained on the other projects."""
    feats = [features(r.criterion) for r in rows]
    flagged = [False] * len(rows)
    for held_out in folds_of(rows, n_folds):
        train = [i for i, r in enumerate(rows) if r.project not in held_out]
        model = fit([rows[i] for i in train], [feats[i] for i in train])
        for i, row in enumerate(rows):
            if row.project in held_out:
                flagged[i] = not analyze(row.criterion, model=model).measurable
    return score(rows, flagged)


def _flags(rows: Sequence[Row], model: Model, threshold: float) -> list[bool]:
    at = Model(model.bias, model.weights, threshold)
    return [not analyze(r.criterion, model=at).measurable for r in rows]


def _choose(
    rows: Sequence[Row], feats: Sequence[dict[str, float]], n_folds: int
) -> tuple[float, float]:
    """The (C, threshold) of the grid with the best grouped-CV F1 on these rows among those
    that keep precision >= MIN_PRECISION (ties: the higher threshold, then the smaller C)."""
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    choice = (C, THRESHOLD)
    groups = folds_of(rows, n_folds)
    for c in C_GRID:
        flagged = {th: [False] * len(rows) for th in THRESHOLD_GRID}
        for held_out in groups:
            train = [i for i, r in enumerate(rows) if r.project not in held_out]
            model = fit([rows[i] for i in train], [feats[i] for i in train], c)
            test = [i for i, r in enumerate(rows) if r.project in held_out]
            for th in THRESHOLD_GRID:
                for i, flag in zip(test, _flags([rows[i] for i in test], model, th), strict=True):
                    flagged[th][i] = flag
        for th in THRESHOLD_GRID:
            s = score(rows, flagged[th])
            key = (s.f1 if s.precision >= MIN_PRECISION else -s.precision, th, -c)
            if key > best:
                best, choice = key, (c, th)
    return choice


def nested_cv(rows: Sequence[Row], n_folds: int = 10) -> tuple[Scores, list[tuple[float, float]]]:
    """Grouped CV in which each outer fold's C and threshold are chosen by a grouped CV on
    the other projects only; returns the scores and the choice made for each outer fold."""
    feats = [features(r.criterion) for r in rows]
    flagged = [False] * len(rows)
    choices = []
    for held_out in folds_of(rows, n_folds):
        train = [i for i, r in enumerate(rows) if r.project not in held_out]
        inner_rows = [rows[i] for i in train]
        inner_feats = [feats[i] for i in train]
        c, th = _choose(inner_rows, inner_feats, n_folds - 1 if n_folds > 1 else 0)
        choices.append((c, th))
        model = fit(inner_rows, inner_feats, c, th)
        test = [i for i, r in enumerate(rows) if r.project in held_out]
        for i, flag in zip(test, _flags([rows[i] for i in test], model, th), strict=True):
            flagged[i] = flag
    return score(rows, flagged), choices


def in_sample(rows: Sequence[Row], model: Model | None = None) -> Scores:
    """The shipped model (or the one given) on the rows it was trained on."""
    return score(rows, [not analyze(r.criterion, model=model).measurable for r in rows])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--folds", type=int, default=10, help="0: leave one project out")
    parser.add_argument("--write", action="store_true", help=f"write {OUTPUT.name}")
    parser.add_argument(
        "--nested",
        action="store_true",
        help="also run the nested grouped CV that chooses C and the threshold per fold",
    )
    args = parser.parse_args(argv)
    rows = load_rows(args.dev)
    projects = len({r.project for r in rows})
    folds = "leave-one-project-out" if args.folds <= 0 else f"{args.folds}-fold"
    print(f"{len(rows)} rows from {projects} projects")
    print(f"grouped CV ({folds}): {grouped_cv(rows, args.folds).line()}")
    if args.nested:
        nested, choices = nested_cv(rows, args.folds)
        chosen = ", ".join(f"C={c} t={th}" for c, th in choices)
        print(f"nested grouped CV:    {nested.line()}\n  chosen per fold: {chosen}")
    model = fit(rows, [features(r.criterion) for r in rows])
    print(f"in-sample:            {in_sample(rows, model).line()}")
    if args.write:
        data = {
            "about": "Learned layer of the measurability analyzer; written by "
            "scripts/train_measurability.py",
            "threshold": model.threshold,
            "bias": model.bias,
            "weights": dict(sorted(model.weights.items())),
        }
        OUTPUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(model.weights)} weights)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
