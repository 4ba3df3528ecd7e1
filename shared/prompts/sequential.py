"""Is a variant's helpful rate really different from the control's? A test you may look at after
every investigation without inflating its error: the mixture sequential probability ratio test
(mSPRT) of Johari, Koomen, Pekelis and Walsh, "Peeking at A/B Tests" (KDD 2017), and "Always
Valid Inference" (Operations Research 70(3), 2022), as Optimizely's Stats Engine runs it.

The difference of the two rates, d = variant - control, is approximately normal with variance V
(the pooled rate's, which is the variance under "no difference"). Mixing the likelihood ratio of
"difference theta" against "no difference" over theta ~ N(0, tau^2) gives

    Lambda = sqrt(V / (V + tau^2)) * exp(tau^2 d^2 / (2 V (V + tau^2)))

for normal data of known variance a nonnegative martingale under "no difference", so by Ville's
inequality the chance it EVER reaches 1 / alpha, however often it is looked at, is at most alpha
(two-sided: BETTER and WORSE together). Here V is estimated from the pooled rate, so the guarantee
is asymptotic, as in the papers: that is why each arm needs `min_trials` before any decision, and
the unit tests check the error rate by simulation with a look after every investigation. tau = 0.1
says a variant moves the helpful rate by about ten points: the test is most sensitive there."""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import Field, model_validator

from shared.records import Frozen

_TAU_SQUARED = 0.1**2
ALPHA = 0.05
"""The chance, at most, that the test ever declares a difference where there is none."""
MIN_TRIALS = 30
"""The results each arm needs before the test may decide."""


class Counts(Frozen):
    """One arm's helpful answers out of the investigations it narrated."""

    successes: int = Field(ge=0)
    trials: int = Field(ge=0)

    @model_validator(mode="after")
    def _at_most_trials(self) -> Counts:
        """More successes than trials is a bookkeeping error, not evidence."""
        if self.successes > self.trials:
            raise ValueError(f"{self.successes} successes out of only {self.trials} trials")
        return self


class Decision(StrEnum):
    """What the test says of the variant against the control."""

    BETTER = "better"
    WORSE = "worse"
    UNDECIDED = "undecided"


def compare(
    control: Counts, variant: Counts, *, alpha: float = ALPHA, min_trials: int = MIN_TRIALS
) -> Decision:
    """BETTER or WORSE once the mixture likelihood ratio reaches 1 / `alpha` (valid at every
    look), UNDECIDED before that or while either arm has fewer than `min_trials` trials."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    if min(control.trials, variant.trials) < max(min_trials, 1):
        return Decision.UNDECIDED
    if likelihood_ratio(control, variant) < 1 / alpha:
        return Decision.UNDECIDED
    variant_rate = variant.successes / variant.trials
    control_rate = control.successes / control.trials
    return Decision.BETTER if variant_rate > control_rate else Decision.WORSE


def likelihood_ratio(control: Counts, variant: Counts) -> float:
    """The mixture likelihood ratio of "the rates differ" against "they are the same" (1 when
    either arm is empty or every answer agrees: no evidence either way)."""
    if not control.trials or not variant.trials:
        return 1.0
    pooled = (control.successes + variant.successes) / (control.trials + variant.trials)
    variance = pooled * (1 - pooled) * (1 / control.trials + 1 / variant.trials)
    if variance == 0:
        return 1.0
    difference = variant.successes / variant.trials - control.successes / control.trials
    spread = variance + _TAU_SQUARED
    exponent = _TAU_SQUARED * difference**2 / (2 * variance * spread)
    return math.sqrt(variance / spread) * math.exp(min(exponent, 700.0))
