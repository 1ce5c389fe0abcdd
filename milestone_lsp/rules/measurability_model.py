"""The learned layer of the measurability analyzer: a logistic regression over its features.

The weights ship in the package (``milestone_lsp/data/measurability_model.json``) and are
written by ``scripts/train_measurability.py`` (scikit-learn, a development dependency only).
Scoring is a dictionary look-up per feature and one exponential: no model is downloaded and
nothing heavier than :mod:`json` is imported. Pure: never imports pygls or lsprotocol.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

__all__ = ["Model", "load", "model_from"]

_RESOURCE: Final = "measurability_model.json"


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """Weights of a logistic regression: vague when the probability reaches ``threshold``."""

    bias: float
    weights: dict[str, float]
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        """Probability that a criterion with these features is vague."""
        z = self.bias
        weights = self.weights
        for name, value in features.items():
            w = weights.get(name)
            if w is not None:
                z += w * value
        if z < -30.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, features: dict[str, float]) -> list[tuple[str, float]]:
        """The features that push towards 'vague', strongest first."""
        parts = [(name, self.weights.get(name, 0.0) * value) for name, value in features.items()]
        return sorted((p for p in parts if p[1] > 0), key=lambda p: -p[1])


def model_from(data: dict[str, object]) -> Model:
    """A model from its JSON form (``bias``, ``weights``, ``threshold``)."""
    weights = data.get("weights")
    bias = data.get("bias")
    threshold = data.get("threshold")
    if not isinstance(weights, dict) or not isinstance(bias, int | float):
        raise ValueError("measurability model: 'bias' and 'weights' are required")
    if not isinstance(threshold, int | float):
        raise ValueError("measurability model: 'threshold' is required")
    return Model(float(bias), {str(k): float(v) for k, v in weights.items()}, float(threshold))


@lru_cache(maxsize=1)
def load() -> Model:
    """The model shipped in the package."""
    # A plain file next to the package (cheaper to reach than importlib.resources).
    text = (Path(__file__).resolve().parent.parent / "data" / _RESOURCE).read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("measurability model: a JSON object is expected")
    return model_from(data)
