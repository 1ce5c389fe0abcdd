"""Hypothesis profiles for the robustness tests (registered here, applied per test).

``ci`` (the default, used by ``make test``): derandomised, a bounded number of examples per
property, no deadline (the machine is slow and shared). ``fuzz`` (``make fuzz``, selected with
``HYPOTHESIS_PROFILE=fuzz``): random exploration with enough examples per property for a campaign
of at least 100,000 in total. ``FUZZ_EXAMPLES`` (default 40,000) is the base count, which each
property scales by its share (cheap properties run more examples than slow ones);
``CI_EXAMPLES`` (default 150) is the count per property in ``ci`` (a property whose examples are
slow may ask for fewer).

The profiles are not loaded globally, so other test folders keep hypothesis' defaults: the
robustness properties take theirs from :func:`tests.robustness.strategies.fuzz_settings`.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
# The explain phase re-runs a failing example hundreds of times; the shrunk example is enough.
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("CI_EXAMPLES", "150")),
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_OK,
    phases=_PHASES,
)
settings.register_profile(
    "fuzz",
    derandomize=False,
    deadline=None,
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40000")),
    print_blob=True,
    suppress_health_check=_SLOW_OK,
    phases=_PHASES,
)
