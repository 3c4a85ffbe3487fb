"""Transfer matching and review: the named cases of issue 11 (a chain of four movements pairs
completely; a check and an unrelated Zelle payment do not pair), order independence, and the
person's decisions (confirm, link, not a transfer) winning, surviving re-syncs and following a pending
transaction to the posted one."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics import ledger, transfers
from core.analytics.cash_flow import totals
from core.analytics.filters import Filters
from core.analytics.matching import maximum_matching
from core.store import Store
from core.sync import sync_transactions
from tests.unit.sync_world import ChangeLogWorld, store_with_item
from tests.worlds import insert_transaction, small_world

TODAY = date(2025, 3, 31)
MARCH = Filters(period="custom", start=date(2025, 3, 1), end=date(2025, 3, 31), currency="USD")
OUT, IN = ("TRANSFER_OUT", "TRANSFER_OUT_ACCOUNT_TRANSFER"), ("TRANSFER_IN", "TRANSFER_IN_ACCOUNT_TRANSFER")
# 432.10 moves chk -> sav, then brk -> chk2, two days apart each (four accounts, four rows)
CHAIN = [
    ("t-chain-a", "chk", "2025-03-01", "432.10", *OUT),
    ("t-chain-b", "sav", "2025-03-03", "-432.10", *IN),
    ("t-chain-c", "brk", "2025-03-04", "432.10", *OUT),
    ("t-chain-d", "chk2", "2025-03-06", "-432.10", *IN),
]


def world(tmp_path, rows=(), name="fb.duckdb") -> Store:
    """The hand-made world plus two more USD accounts, at both banks, and `rows`."""
    store = small_world(Store(tmp_path / name))
    with store.transaction() as con:
        con.execute(
            "INSERT INTO accounts (account_id, item_id, name, mask, type, subtype, iso_currency_code) VALUES "
            "('brk', 'item-a', 'Brokerage cash', '5555', 'depository', 'checking', 'USD'), "
            "('chk2', 'item-b', 'Joint checking', '6666', 'depository', 'checking', 'USD')"
        )
        for tid, account, day, amount, primary, detailed in rows:
            insert_transaction(con, tid, account, day, "MOVE", None, amount, "USD", False, primary, detailed)
    return store


def pairs(store: Store) -> dict[str, str | None]:
    with ledger.reading(store) as con:
        return dict(con.execute("SELECT transaction_id, transfer_pair_id FROM analytics_ledger").fetchall())


def flow(store: Store, *ids: str) -> list[str]:
    with ledger.reading(store) as con:
        found = dict(con.execute("SELECT transaction_id, flow FROM analytics_ledger").fetchall())
    return [found[i] for i in ids]


def test_a_chain_of_four_movements_pairs_completely(tmp_path):
    """Named case: mutual best matches paired only b-c (one day apart) and left a and d alone; a maximum
    matching pairs all four, each with its neighbour two days away."""
    p = pairs(world(tmp_path, CHAIN))
    assert (p["t-chain-a"], p["t-chain-c"]) == ("t-chain-b", "t-chain-d")
    assert (p["t-chain-b"], p["t-chain-d"]) == ("t-chain-a", "t-chain-c")


def test_the_pairs_do_not_depend_on_the_order_rows_arrive_in(tmp_path):
    forward = pairs(world(tmp_path, CHAIN, "forward.duckdb"))
    assert pairs(world(tmp_path, list(reversed(CHAIN)), "reversed.duckdb")) == forward
    edges = [("a", "b", 2), ("c", "b", 1), ("c", "d", 2), ("e", "d", 1), ("e", "f", 3), ("g", "f", 1), ("a", "h", 4)]
    results = {frozenset(maximum_matching(*zip(*order, strict=True))) for order in itertools.permutations(edges)}
    assert len(results) == 1  # 5,040 orders, one answer


def test_a_maximum_matching_prefers_more_pairs_then_closer_dates_then_ids():
    # a-x alone (gap 0) would block b; two pairs beat one close pair
    assert sorted(maximum_matching(["a", "a", "b"], ["x", "y", "x"], [0, 3, 1])) == [("a", "y"), ("b", "x")]
    # two ways to make two pairs: total gap 2 beats total gap 4
    assert sorted(maximum_matching(["a", "a", "b", "b"], ["x", "y", "x", "y"], [1, 2, 2, 1])) == [
        ("a", "x"), ("b", "y")
    ]  # fmt: skip
    # a tie in size and gap goes by ids, in every order
    assert maximum_matching(["b", "a"], ["x", "x"], [1, 1]) == maximum_matching(["a", "b"], ["x", "x"], [1, 1])


def test_a_check_and_an_unrelated_zelle_payment_are_not_a_transfer(tmp_path):
    """Named case: a "CHECK 1043" of 1,200.00 (Plaid: general services, no merchant) and a "Zelle from
    Alex Smith" of -1,200.00 two days later at another bank: a check is a payment, not evidence of a
    transfer, so the 1,200 stays spending and the Zelle money is an outside transfer in."""
    store = world(tmp_path)
    with store.transaction() as con:
        insert_transaction(con, "t-check", "chk", "2025-03-10", "CHECK 1043", None, "1200.00", "USD", False,
                           "GENERAL_SERVICES", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES")  # fmt: skip
        insert_transaction(con, "t-zelle", "chk2", "2025-03-12", "Zelle from Alex Smith", None, "-1200.00", "USD",
                           False, *IN)  # fmt: skip
    assert (pairs(store)["t-check"], pairs(store)["t-zelle"]) == (None, None)
    assert flow(store, "t-check", "t-zelle") == ["spending", "transfer_outside"]
    with ledger.reading(store) as con:
        row = totals(con, MARCH, TODAY).iloc[0]
    assert (float(row["spending"]), float(row["transfers_in_outside"])) == (1200.0, 1200.0)


def test_confirming_a_suggested_pair_records_it_and_it_stands(tmp_path):
    store = world(tmp_path)
    with ledger.reading(store) as con:
        suggested = transfers.review_pairs(con, Filters(period="all", currency="USD"), TODAY)
    assert suggested[["out_id", "in_id", "confirmed"]].values.tolist() == [
        ["t-save-out", "t-save-in", False],
        ["t-ccpay-out", "t-ccpay-in", False],
    ]
    transfers.link(store, "t-save-out", "t-save-in")
    with ledger.reading(store) as con:
        assert transfers.decision(con, "t-save-in") == "pair"
        reviewed = transfers.review_pairs(con, Filters(period="all", currency="USD"), TODAY)
    assert reviewed[["out_id", "confirmed"]].values.tolist() == [["t-ccpay-out", False], ["t-save-out", True]]
    with store.transaction() as con:
        ledger.rebuild(con)
    assert pairs(store)["t-save-out"] == "t-save-in"


def test_not_a_transfer_wins_over_the_automatic_rule_and_can_be_forgotten(tmp_path):
    store = world(tmp_path)
    transfers.mark_not_transfer(store, "t-save-out")
    p = pairs(store)
    assert (p["t-save-out"], p["t-save-in"]) == (None, None)
    assert flow(store, "t-save-out", "t-save-in") == ["transfer_outside", "transfer_outside"]  # by category
    transfers.forget(store, "t-save-out")
    assert pairs(store)["t-save-out"] == "t-save-in"


def test_linking_two_rows_makes_a_transfer_whatever_their_category(tmp_path):
    store = world(tmp_path)
    with store.transaction() as con:
        insert_transaction(con, "t-x-out", "chk", "2025-03-10", "CHECK 1044", None, "88.00", "USD", False,
                           "GENERAL_SERVICES", None)  # fmt: skip
        insert_transaction(con, "t-x-in", "brk", "2025-03-20", "DEPOSIT", None, "-88.00", "USD", False, None, None)
    with ledger.reading(store) as con:
        offered = transfers.link_candidates(con, "t-x-out")
    assert offered[["transaction_id", "amount"]].values.tolist() == [["t-x-in", 88.0]]
    transfers.link(store, "t-x-out", "t-x-in")
    assert flow(store, "t-x-out", "t-x-in") == ["transfer_internal", "transfer_internal"]
    # linking one half elsewhere frees its old partner, which goes back to the automatic rule
    with store.transaction() as con:
        insert_transaction(con, "t-y-in", "sav", "2025-03-11", "DEPOSIT", None, "-88.00", "USD", False, None, None)
    transfers.link(store, "t-x-out", "t-y-in")
    assert (pairs(store)["t-x-out"], pairs(store)["t-x-in"]) == ("t-y-in", None)
    with ledger.reading(store) as con:
        assert transfers.decision(con, "t-x-in") is None


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ("t-rent", "t-rent-feb", "same account"),
        ("t-eur-food", "t-refund", "currencies are never added"),
        ("t-gas", "t-refund", "same amount"),
        ("t-gas", "t-gas", "two different"),
        ("t-gas", "nope", "No transaction nope"),
    ],
)
def test_a_link_that_cannot_be_a_transfer_is_refused(tmp_path, a, b, message):
    store = world(tmp_path)
    with pytest.raises(transfers.TransferError, match=message):
        transfers.link(store, a, b)


def _sync(store, world_):
    return sync_transactions(store, "item-1", world_.page)


def _card_payment(world_: ChangeLogWorld, txn: str) -> None:
    world_.modify(txn, personal_finance_category={"primary": "LOAN_PAYMENTS",
                                                  "detailed": "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"})  # fmt: skip


def test_decisions_survive_resyncs_and_follow_a_pending_transaction_to_the_posted_one(tmp_path):
    store = store_with_item(tmp_path / "fb.duckdb")
    plaid = ChangeLogWorld(page_size=2)
    pending_out = plaid.add(pending=True, amount_cents=50000, account=0, name="Payment to card")
    card_in = plaid.add(amount_cents=-50000, day=1, account=1, name="Payment thank you")
    other_out = plaid.add(pending=True, amount_cents=7000, day=2, account=0, name="Transfer")
    other_in = plaid.add(amount_cents=-7000, day=3, account=1, name="Transfer")
    for txn in (pending_out, card_in, other_out, other_in):
        _card_payment(plaid, txn)
    _sync(store, plaid)
    assert pairs(store)[pending_out] == card_in  # suggested automatically
    transfers.link(store, pending_out, card_in)  # confirmed
    transfers.mark_not_transfer(store, other_out)

    plaid.modify(card_in, name="PAYMENT THANK YOU - WEB")  # a re-sync changes a row
    posted_out = plaid.post(pending_out)  # the posted rows arrive as food (the bank's first guess)
    posted_other = plaid.post(other_out)
    _card_payment(plaid, posted_other)  # this one would pair automatically
    _sync(store, plaid)

    p = pairs(store)
    assert (p[posted_out], p[card_in]) == (card_in, posted_out)  # the confirmed pair holds the posted row
    assert p[posted_other] is None and p[other_in] is None  # "not a transfer" followed it too
    with store.connect() as con:
        decided = set(con.execute("SELECT transaction_id, decision, pair_id FROM transfer_decisions").fetchall())
    assert decided == {
        (posted_out, "pair", card_in), (card_in, "pair", posted_out), (posted_other, "not_transfer", None)
    }  # fmt: skip


def score(pairs, edges):
    """(pairs, total gap) of a matching; checks each id is in at most one pair and every pair is an edge."""
    gaps = {(o, i): g for o, i, g in edges}
    ends = [o for o, _ in pairs] + [i for _, i in pairs]
    assert len(set(ends)) == len(ends) and all(p in gaps for p in pairs)
    return len(pairs), sum(gaps[p] for p in pairs)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.sampled_from("uvwxyz"), st.integers(0, 4)), max_size=12,
                unique_by=lambda e: e[:2]))  # fmt: skip
def test_the_sparse_solver_for_big_groups_finds_matchings_as_good_as_the_dense_one(edges):
    """Trying every matching is the oracle: most pairs, then the smallest total gap."""
    best = max(
        ((len(c), -sum(g for *_, g in c)) for n in range(len(edges) + 1) for c in itertools.combinations(edges, n)
         if len({o for o, *_ in c}) == len(c) == len({i for _, i, _ in c})),
        default=(0, 0),
    )  # fmt: skip
    args = tuple(zip(*edges, strict=True)) if edges else ((), (), ())
    dense, sparse = maximum_matching(*args), maximum_matching(*args, dense_limit=0)
    assert score(dense, edges) == score(sparse, edges) == (best[0], -best[1])
