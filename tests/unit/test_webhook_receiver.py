"""The receiver over loopback HTTP: answers, audit rows, forgeries without effect, replays, bursts."""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson
import pytest

from core.config import load_settings
from core.webhooks import WebhookReceiver, audit, processor, recent_events
from core.webhooks.audit import set_outcome
from core.webhooks.jobs import ItemJob, ItemJobQueue
from core.webhooks.processor import WebhookProcessor
from core.webhooks.verification import VerificationKeys, WebhookVerifier
from core.workspace import Workspace
from tests.unit.test_webhook_verification import FORGERIES
from tests.webhook_support import FakeKeyService, PlaidSigner, plaid_body, seed_item, snapshot

SYNC = plaid_body("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", initial_update_complete=True)


class FakeJobs:
    """Stands in for the sync engine: counts runs per job and writes an outcome like the real runner."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.runs: list[ItemJob] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, job: ItemJob, events: list[str]) -> None:
        assert self.gate.wait(10)
        self.runs.append(job)
        set_outcome(self.ws.store, events, f"ran {job.kind} #{len(self.runs)}")


@pytest.fixture
def signer() -> PlaidSigner:
    return PlaidSigner()


@pytest.fixture
def ws(db_env) -> Workspace:
    ws = Workspace(load_settings())
    seed_item(ws.store, "item-1", ("acc-1",))
    return ws


@pytest.fixture
def jobs(ws) -> FakeJobs:
    return FakeJobs(ws)


@pytest.fixture
def receiver(ws, signer, jobs):
    verifier = WebhookVerifier(VerificationKeys(FakeKeyService(signer.jwk())))
    r = WebhookReceiver(ws, port=0, verifier=verifier, jobs=ItemJobQueue(jobs))
    yield r
    jobs.gate.set()
    r.stop()


def post(receiver: WebhookReceiver, body: bytes, headers: dict[str, str], path: str = "/plaid/webhook"):
    con = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    try:
        con.request("POST", path, body=body, headers=headers)
        response = con.getresponse()
        return response.status, orjson.loads(response.read())
    finally:
        con.close()


def events(ws: Workspace) -> list[tuple[Any, ...]]:
    newest_last = reversed(recent_events(ws.store))
    return [(e.webhook_type, e.webhook_code, e.item_id, e.verified, e.outcome) for e in newest_last]


def test_a_verified_webhook_is_answered_200_and_syncs_the_item(receiver, ws, signer, jobs):
    status, answer = post(receiver, SYNC, signer.headers(SYNC))
    assert (status, answer) == (200, {"status": "accepted"})
    assert receiver.wait_idle(10)
    assert jobs.runs == [ItemJob("item-1", "sync")]
    assert events(ws) == [("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", "item-1", True, "ran sync #1")]


def test_the_answer_does_not_wait_for_the_work(receiver, ws, signer, jobs):
    jobs.gate.clear()  # the sync cannot finish
    status, _ = post(receiver, SYNC, signer.headers(SYNC))
    assert status == 200
    assert jobs.runs == []
    jobs.gate.set()
    assert receiver.wait_idle(10) and len(jobs.runs) == 1


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_webhook_is_refused_recorded_and_has_no_effect(receiver, ws, signer, jobs, name):
    revoke = plaid_body("ITEM", "USER_PERMISSION_REVOKED")
    token = FORGERIES[name][0](signer)
    before = snapshot(ws.store)
    headers = {"Content-Type": "application/json"} | ({} if token is None else {"Plaid-Verification": token})

    status, answer = post(receiver, revoke, headers)

    assert (status, answer) == (401, {"error": "verification failed"})
    assert receiver.wait_idle(10)
    assert snapshot(ws.store) == before and jobs.runs == []
    [(webhook_type, code, item_id, verified, outcome)] = events(ws)
    assert (webhook_type, code, item_id, verified) == ("ITEM", "USER_PERMISSION_REVOKED", "item-1", False)
    assert outcome.startswith("rejected: ")


REVOKE = plaid_body("ITEM", "USER_PERMISSION_REVOKED")


@pytest.mark.parametrize(
    "sent",
    [REVOKE.replace(b"item-1", b"item-2"), orjson.dumps(orjson.loads(REVOKE))],
    ids=["tampered", "re-serialized"],
)
def test_a_body_other_than_the_signed_bytes_is_refused_with_no_effect(receiver, ws, signer, jobs, sent):
    before = snapshot(ws.store)
    assert sent != REVOKE
    assert post(receiver, sent, signer.headers(REVOKE))[0] == 401
    assert receiver.wait_idle(10)
    assert snapshot(ws.store) == before and jobs.runs == []
    assert [e.verified for e in recent_events(ws.store)] == [False]


def test_a_webhook_signed_with_an_expired_key_is_refused_with_no_effect(ws, signer, jobs):
    expired = WebhookVerifier(VerificationKeys(FakeKeyService(signer.jwk(expired_at=int(time.time()) - 60))))
    receiver = WebhookReceiver(ws, port=0, verifier=expired, jobs=ItemJobQueue(jobs))
    try:
        before = snapshot(ws.store)
        assert post(receiver, REVOKE, signer.headers(REVOKE))[0] == 401
        assert receiver.wait_idle(10)
        assert snapshot(ws.store) == before and jobs.runs == []
        [event] = recent_events(ws.store)
        assert not event.verified and "expired" in event.outcome
    finally:
        receiver.stop()


def test_a_replayed_request_is_acknowledged_and_ignored(receiver, ws, signer, jobs):
    body = plaid_body("ITEM", "NEW_ACCOUNTS_AVAILABLE")
    headers = signer.headers(body)
    assert post(receiver, body, headers)[0] == 200
    assert receiver.wait_idle(10)
    once = snapshot(ws.store)
    assert post(receiver, body, headers)[0] == 200
    assert receiver.wait_idle(10)
    assert snapshot(ws.store) == once
    assert [e[4] for e in events(ws)] == [
        "new accounts available: flagged for Add accounts",
        "ignored: duplicate delivery of an earlier webhook",
    ]


def test_a_replayed_sync_webhook_runs_no_second_sync(receiver, ws, signer, jobs):
    headers = signer.headers(SYNC)
    for _ in range(3):
        assert post(receiver, SYNC, headers)[0] == 200
        assert receiver.wait_idle(10)
    assert jobs.runs == [ItemJob("item-1", "sync")]


def test_a_burst_for_one_item_runs_at_most_two_syncs_and_serves_every_event(receiver, ws, signer, jobs):
    jobs.gate.clear()
    bodies = [plaid_body("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", seq=n) for n in range(200)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda b: post(receiver, b, signer.headers(b))[0], bodies))
    assert receiver.processor.wait_idle(30)  # the whole burst arrived while the first sync still runs
    jobs.gate.set()
    assert receiver.wait_idle(30)

    assert statuses == [200] * 200
    assert 1 <= len(jobs.runs) <= 2
    recorded = recent_events(ws.store, limit=1000)
    assert len(recorded) == 200 and len({e.body_sha256 for e in recorded}) == 200
    assert all(e.outcome.startswith("ran sync") for e in recorded)


@pytest.mark.parametrize(
    ("path", "body", "headers", "expected"),
    [
        ("/plaid/webhook", b"item_id=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ("/plaid/webhook", SYNC, {}, 415),
        ("/plaid/webhook", b"{" + b" " * (65 * 1024) + b"}", {"Content-Type": "application/json"}, 413),
        ("/elsewhere", SYNC, {"Content-Type": "application/json"}, 404),
    ],
    ids=["form", "no content type", "too large", "wrong path"],
)
def test_requests_that_are_not_webhooks_are_refused(receiver, ws, jobs, path, body, headers, expected):
    before = snapshot(ws.store)
    assert post(receiver, body, headers, path)[0] == expected
    assert receiver.wait_idle(10)
    assert snapshot(ws.store) == before and jobs.runs == []
    assert all(not e.verified for e in recent_events(ws.store))


def test_a_body_without_content_length_is_refused(receiver):
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as s:
        s.sendall(b"POST /plaid/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")  # fmt: skip
        assert s.recv(100).startswith(b"HTTP/1.1 411")


def test_get_is_not_a_webhook_and_health_answers(receiver):
    con = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    con.request("GET", "/plaid/webhook")
    assert con.getresponse().status == 405
    con.close()
    con = http.client.HTTPConnection("127.0.0.1", receiver.port, timeout=10)
    con.request("GET", "/health")
    assert con.getresponse().read() == b'{"status":"ok"}'
    con.close()


def test_unknown_items_and_types_are_recorded_and_acknowledged(receiver, ws, signer, jobs):
    before = snapshot(ws.store)
    for body in (plaid_body("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", item_id="item-nope"),
                 plaid_body("HOLDINGS", "DEFAULT_UPDATE")):  # fmt: skip
        assert post(receiver, body, signer.headers(body))[0] == 200
    assert receiver.wait_idle(10)
    assert snapshot(ws.store) == before and jobs.runs == []
    assert events(ws) == [
        ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE", "item-nope", True, "ignored: unknown item"),
        ("HOLDINGS", "DEFAULT_UPDATE", "item-1", True, "ignored: Finboard does not act on HOLDINGS/DEFAULT_UPDATE"),
    ]


def test_a_taken_port_is_an_os_error(receiver, ws):
    with pytest.raises(OSError):
        WebhookReceiver(ws, port=receiver.port)


def test_webhooks_apply_in_arrival_order(receiver, ws, signer):
    for body in (plaid_body("ITEM", "ERROR", error={"error_code": "ITEM_LOGIN_REQUIRED"}),
                 plaid_body("ITEM", "LOGIN_REPAIRED")):  # fmt: skip
        assert post(receiver, body, signer.headers(body))[0] == 200
    assert receiver.wait_idle(10)
    with ws.store.connect() as con:
        assert con.execute("SELECT status FROM items WHERE item_id = 'item-1'").fetchone() == ("healthy",)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "ran sync" not in events(ws)[-1][4]:
        time.sleep(0.05)
    assert events(ws)[-1][4] == "ran sync #1"


def test_a_full_queue_answers_503_and_the_same_request_is_taken_when_resent(ws, signer, jobs):
    verifier = WebhookVerifier(VerificationKeys(FakeKeyService(signer.jwk())))
    receiver = WebhookReceiver(ws, port=0, verifier=verifier, jobs=ItemJobQueue(jobs))
    try:
        body = plaid_body("ITEM", "NEW_ACCOUNTS_AVAILABLE")
        headers = signer.headers(body)
        receiver.processor.stop()  # a stopped processor takes nothing, like a full queue
        assert post(receiver, body, headers)[0] == 503
        receiver.processor = WebhookProcessor(ws, receiver.jobs)
        assert post(receiver, body, headers)[0] == 200
        assert receiver.wait_idle(10)
        assert [e[4] for e in events(ws)] == ["new accounts available: flagged for Add accounts"]
    finally:
        receiver.stop()


# -- a flood of refusals (issue 12, item 5) --------------------------------------------------------------------


def refused_total(ws: Workspace) -> tuple[int, int]:
    """(audit rows for refused requests, refused requests they account for: one each, or a summary's count)."""
    rows = [e.outcome for e in recent_events(ws.store, limit=100_000) if e.outcome.startswith("rejected: ")]
    counted = sum(int(m.group(1)) if (m := re.match(r"rejected: (\d+) more refused", o)) else 1 for o in rows)
    return len(rows), counted


def test_a_flood_of_refusals_costs_bounded_rows_no_rerun_and_no_accepted_entry(receiver, ws, signer, monkeypatch):
    monkeypatch.setattr(processor, "REFUSALS_PER_MINUTE", 5)
    monkeypatch.setattr(audit, "KEEP_EVENTS", 3)  # small logs, so a flood would evict everything else
    monkeypatch.setattr(audit, "KEEP_REFUSALS", 3)
    accepted = plaid_body("ITEM", "NEW_ACCOUNTS_AVAILABLE")
    assert post(receiver, accepted, signer.headers(accepted))[0] == 200
    assert receiver.wait_idle(10)
    version = ws.store.data_version()

    flood = [  # what a web page can send with fetch(..., {mode: "no-cors"}), and forgeries
        (REVOKE, {"Content-Type": "text/plain"}),
        (REVOKE, {"Content-Type": "application/json"}),
        (REVOKE, {"Content-Type": "application/json", "Plaid-Verification": "not.a.jwt"}),
    ] * 20
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda request: post(receiver, *request)[0], flood))
    assert sorted(set(answers)) == [401, 415]
    assert receiver.wait_idle(10)

    assert ws.store.data_version() == version, "a refusal made open dashboards rerun"
    flagged = ("ITEM", "NEW_ACCOUNTS_AVAILABLE", "item-1", True, "new accounts available: flagged for Add accounts")
    assert flagged in events(ws)
    assert refused_total(ws)[0] <= 3  # the refusals' own cap, not the accepted entry, gave way


def test_refusals_over_the_budget_are_counted_in_one_row_per_minute(receiver, ws, monkeypatch):
    monkeypatch.setattr(processor, "REFUSALS_PER_MINUTE", 5)
    for _ in range(40):
        assert post(receiver, REVOKE, {"Content-Type": "application/json"})[0] == 401
    assert receiver.wait_idle(10)
    rows, counted = refused_total(ws)
    assert counted == 40  # every refusal is accounted for
    assert rows <= 2 * (5 + 1)  # at most two minutes (the test may straddle one): 5 rows and a summary each
    summaries = [e for e in recent_events(ws.store) if "more refused" in e.outcome]
    assert 1 <= len(summaries) <= 2 and not any(e.verified for e in summaries)
