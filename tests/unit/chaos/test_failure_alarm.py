"""A failed removal on AWS is said in words with the FIS command to remove it by hand; FIS's own
error stays out of the message."""

from __future__ import annotations

from shared.chaos.failures import failure_alarm, fresh_failure
from shared.chaos.models import (
    ChaosStep,
    ExperimentOutcome,
    ExperimentState,
    Injection,
    RollbackAttempt,
)
from shared.replies import Tone
from shared.telemetry.models import ResourceKind
from tests.support import NOW
from tests.support.chaos import an_experiment


def test_a_failed_fis_removal_gives_the_fis_command_and_no_aws_error_text() -> None:
    failed = RollbackAttempt(
        at=NOW, key="chx-0a1b2c-0", verified=False, error="ThrottlingException: rate exceeded"
    )
    experiment = an_experiment(
        kind=ResourceKind.AWS_LAMBDA,
        state=ExperimentState.ROLLING_BACK,
        outcome=ExperimentOutcome.FAILED,
        injections=[Injection(key="chx-0a1b2c-0", percent=5, handle="EXP7fQx2", at=NOW)],
        rollbacks=[failed],
        history=[
            ChaosStep(at=NOW, percent=5, what="halted", reason="halted by @rey", by="rey"),
            ChaosStep(at=NOW, percent=5, what="rollback failed", by="rey"),
        ],
    )
    assert fresh_failure(experiment) == failed
    alarm = failure_alarm(experiment, failed)
    assert alarm.tone is Tone.ERROR
    assert alarm.text.startswith(
        "The fault error is still injected into 5% of checkout-api: its removal failed "
        "(FIS throttled the request). Auto SRE retries every minute; to remove it by hand: "
        "`aws fis stop-experiment --id EXP7fQx2`."
    )
    assert "ThrottlingException" not in alarm.text
    # AND a retry a minute later is not a new failure to post
    later = experiment.model_copy(
        update={"rollbacks": [failed, failed.model_copy(update={"at": NOW.replace(minute=31)})]}
    )
    assert fresh_failure(later) is None
