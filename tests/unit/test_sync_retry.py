"""Which failures are retried, how long the engine waits, and that it gives up."""

import pytest

from core.plaid_gateway import PlaidApiError, PlaidUnavailable
from core.sync.retry import RetryPolicy, is_transient


def error(code, status=400, error_type="ITEM_ERROR"):
    return PlaidApiError(
        operation="op", status=status, error_type=error_type, error_code=code, error_message=code,
        display_message=None, request_id="req",
    )  # fmt: skip


@pytest.mark.parametrize(
    "failure",
    [
        error("RATE_LIMIT_EXCEEDED", 429, "RATE_LIMIT_EXCEEDED"),
        error("TRANSACTIONS_SYNC_LIMIT", 429, "RATE_LIMIT_EXCEEDED"),
        error("INTERNAL_SERVER_ERROR", 500, "API_ERROR"),
        error("PLANNED_MAINTENANCE", 503, "API_ERROR"),
        error("PRODUCT_NOT_READY"),
        error("INSTITUTION_DOWN", 400, "INSTITUTION_ERROR"),
        error("INSTITUTION_NOT_RESPONDING", 400, "INSTITUTION_ERROR"),
        PlaidUnavailable("connection refused"),
    ],
)
def test_transient_failures_are_retried(failure):
    assert is_transient(failure)


@pytest.mark.parametrize(
    "failure",
    [
        error("ITEM_LOGIN_REQUIRED"),
        error("INVALID_ACCESS_TOKEN", 400, "INVALID_INPUT"),
        error("INSTITUTION_NO_LONGER_SUPPORTED", 400, "INSTITUTION_ERROR"),
        error("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION", 400, "TRANSACTIONS_ERROR"),
        error("INVALID_FIELD", 400, "INVALID_REQUEST"),
    ],
)
def test_permanent_failures_are_not(failure):
    assert not is_transient(failure)


def test_backoff_doubles_with_jitter_and_is_capped():
    waits = []
    policy = RetryPolicy(attempts=8, base_delay=1.0, max_delay=10.0, sleep=waits.append, jitter=lambda: 1.0)
    failures = iter([PlaidUnavailable("down")] * 7)

    def flaky():
        failure = next(failures, None)
        if failure:
            raise failure
        return "ok"

    assert policy.call("op", flaky) == "ok"
    assert waits == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    no_jitter = RetryPolicy(base_delay=1.0, jitter=lambda: 0.0)
    assert [no_jitter.delay(n) for n in range(3)] == [0.5, 1.0, 2.0]


def test_gives_up_after_the_last_attempt_and_raises_the_failure():
    waits = []
    policy = RetryPolicy(attempts=3, sleep=waits.append)
    calls = []

    def always_down():
        calls.append(1)
        raise error("INTERNAL_SERVER_ERROR", 500, "API_ERROR")

    with pytest.raises(PlaidApiError, match="INTERNAL_SERVER_ERROR"):
        policy.call("op", always_down)
    assert len(calls) == 3 and len(waits) == 2


def test_login_required_is_raised_at_once_without_waiting():
    waits = []
    calls = []

    def login_required():
        calls.append(1)
        raise error("ITEM_LOGIN_REQUIRED")

    with pytest.raises(PlaidApiError):
        RetryPolicy(sleep=waits.append).call("op", login_required)
    assert calls == [1] and waits == []
