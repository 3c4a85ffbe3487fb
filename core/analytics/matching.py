"""Transfer pairs: which transactions are the two halves of one movement between connected accounts.

A pair is two transactions in different accounts, in the same currency, of opposite amounts, at
most TRANSFER_MATCH_DAYS apart, both carrying a transfer, loan-payment or card-payment category
(core/analytics/money_rules.py): never a purchase, a fee or income, and a missing merchant is not
evidence. A false pair hides real spending, a missed one shows up as an outside transfer the
person can link, so the rule errs towards missing.

Each transaction is in at most one pair, and as many pairs as possible are made (a maximum matching
of the candidates), so a chain of movements (A -> B -> C -> D, same amount, days apart) pairs
completely. Among maximum matchings the smallest total date gap wins, then transaction ids decide,
so the result never depends on the order rows are read in. Candidates are few (transfer-categorized
rows with an opposite twin nearby) and split into small groups that cannot interact (connected
components); each group is solved exactly with scipy's linear_sum_assignment (a min-cost assignment).

The person's decisions (core/analytics/transfers.py, table transfer_decisions) win: a confirmed or
linked pair always stands, and a transaction marked "not a transfer" never pairs automatically.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from core.analytics.money_rules import category_flow_sql, pair_evidence_sql

TRANSFER_MATCH_DAYS = 4
# A component whose outs x ins exceed this is solved on a sparse graph instead of a dense cost matrix
# (4 million cells = 32 MB): a decade of identical daily transfers makes one component of thousands.
DENSE_LIMIT = 4_000_000

# Pairs the person confirmed or linked, when both halves are still there (each decision points at the other).
USER_PAIRS_SQL = """
SELECT d.transaction_id, d.pair_id
FROM transfer_decisions d
JOIN transfer_decisions e ON e.transaction_id = d.pair_id AND e.pair_id = d.transaction_id
WHERE d.decision = 'pair' AND e.decision = 'pair'
  AND d.transaction_id IN (SELECT transaction_id FROM analytics_ledger)
  AND d.pair_id IN (SELECT transaction_id FROM analytics_ledger)
"""

CANDIDATE_EDGES_SQL = f"""
WITH decided AS (
    SELECT transaction_id FROM ({USER_PAIRS_SQL})
    UNION ALL SELECT transaction_id FROM transfer_decisions WHERE decision = 'not_transfer'
),
candidates AS (
    SELECT l.transaction_id, l.account_id, l.date, l.amount, l.currency
    FROM analytics_ledger l
    WHERE {pair_evidence_sql("l.category_primary")} AND l.amount <> 0
      AND l.transaction_id NOT IN (SELECT transaction_id FROM decided)
)
SELECT o.transaction_id AS out_id, i.transaction_id AS in_id, abs(i.date - o.date)::INTEGER AS gap
FROM candidates o JOIN candidates i
  ON i.currency = o.currency AND i.amount = -o.amount AND i.account_id <> o.account_id
 AND i.date BETWEEN o.date - $days::INTEGER AND o.date + $days::INTEGER
WHERE o.amount > 0
"""

# Rows whose pair changed get the new pair and the flow that follows from it.
UPDATE_PAIRS_SQL = f"""
UPDATE analytics_ledger AS l
SET transfer_pair_id = c.pair_id,
    flow = CASE WHEN c.pair_id IS NOT NULL THEN 'transfer_internal'
                ELSE {category_flow_sql("l.category_primary", "l.category_detailed")} END,
    is_transfer = c.pair_id IS NOT NULL
                  OR {category_flow_sql("l.category_primary", "l.category_detailed")} = 'transfer_outside'
FROM (
    SELECT x.transaction_id, p.pair_id
    FROM analytics_ledger x LEFT JOIN new_transfer_pairs p USING (transaction_id)
    WHERE x.transfer_pair_id IS DISTINCT FROM p.pair_id
) AS c
WHERE l.transaction_id = c.transaction_id
"""


def apply_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """Match transfers over the resolved categories in analytics_ledger and write the pairs (and the flow
    that follows) into the rows whose pair changed; returns how many pairs there are now."""
    user = con.execute(USER_PAIRS_SQL).fetchall()
    edges = con.execute(CANDIDATE_EDGES_SQL, {"days": TRANSFER_MATCH_DAYS}).fetchnumpy()
    automatic = maximum_matching(np.asarray(edges["out_id"]), np.asarray(edges["in_id"]), np.asarray(edges["gap"]))
    halves = [(a, b) for a, b in user] + [h for o, i in automatic for h in ((o, i), (i, o))]
    table = pa.table(
        {"transaction_id": pa.array([a for a, _ in halves], pa.string()),
         "pair_id": pa.array([b for _, b in halves], pa.string())}
    )  # fmt: skip
    con.register("new_transfer_pairs_arrow", table)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE new_transfer_pairs AS SELECT * FROM new_transfer_pairs_arrow")
    finally:
        con.unregister("new_transfer_pairs_arrow")
    con.execute(UPDATE_PAIRS_SQL)
    con.execute("DROP TABLE new_transfer_pairs")
    return len(halves) // 2


def maximum_matching(
    out_ids: Sequence[str] | np.ndarray,
    in_ids: Sequence[str] | np.ndarray,
    gaps: Sequence[int] | np.ndarray,
    dense_limit: int = DENSE_LIMIT,
) -> list[tuple[str, str]]:
    """Pairs (out_id, in_id) from candidate edges: as many as possible, then the smallest total gap, then
    ids; every id in at most one pair. The answer depends only on the set of edges, not their order."""
    from scipy.sparse import coo_matrix  # scipy on first use: importing it costs every process ~0.4 s
    from scipy.sparse.csgraph import connected_components

    if len(out_ids) == 0:
        return []
    outs, out_idx = np.unique(np.asarray(out_ids, dtype=object), return_inverse=True)
    ins, in_idx = np.unique(np.asarray(in_ids, dtype=object), return_inverse=True)
    gap = np.asarray(gaps, dtype=np.int64)
    order = np.lexsort((in_idx, out_idx))  # edges in id order: the tie-break's ranks
    out_idx, in_idx, gap = out_idx[order], in_idx[order], gap[order]
    n_out = len(outs)
    graph = coo_matrix((np.ones(len(gap)), (out_idx, n_out + in_idx)), shape=(n_out + len(ins),) * 2)
    _, labels = connected_components(graph, directed=False)
    component = labels[out_idx]
    by_component = np.argsort(component, kind="stable")  # keeps id order inside each component
    bounds = np.flatnonzero(np.diff(component[by_component])) + 1
    pairs: list[tuple[str, str]] = []
    for edges in np.split(by_component, bounds):
        if len(edges) == 1:  # most components: one out, one in
            pairs.append((str(outs[out_idx[edges[0]]]), str(ins[in_idx[edges[0]]])))
            continue
        for o, i in _solve_component(out_idx[edges], in_idx[edges], gap[edges], dense_limit):
            pairs.append((str(outs[o]), str(ins[i])))
    return pairs


def _solve_component(
    out_idx: np.ndarray, in_idx: np.ndarray, gap: np.ndarray, dense_limit: int
) -> list[tuple[int, int]]:
    """An exact min-cost matching on one component, with costs that rank matchings by size first, then
    total gap, then the sum of the edges' positions in id order (edges arrive in that order)."""
    from scipy.optimize import linear_sum_assignment

    rows, row_of = np.unique(out_idx, return_inverse=True)
    cols, col_of = np.unique(in_idx, return_inverse=True)
    size, count = min(len(rows), len(cols)), len(gap)
    rank_weight = float(size * count + 1)  # one day of gap outweighs any sum of ranks
    edge_cost = gap * rank_weight + np.arange(count) + 1  # > 0: the sparse solver takes a zero for no edge
    missing = 2.0 * size * (int(gap.max()) * rank_weight + count + 2) + 1  # outweighs any sum of real edges
    if len(rows) * len(cols) <= dense_limit:
        cost = np.full((len(rows), len(cols)), missing)
        cost[row_of, col_of] = edge_cost
        picked_rows, picked_cols = linear_sum_assignment(cost)
        chosen = [(r, c) for r, c in zip(picked_rows, picked_cols, strict=True) if cost[r, c] < missing]
    else:
        chosen = _sparse_matching(row_of, col_of, edge_cost, len(rows), len(cols), missing)
    return [(int(rows[r]), int(cols[c])) for r, c in chosen]


def _sparse_matching(
    row_of: np.ndarray, col_of: np.ndarray, cost: np.ndarray, n_rows: int, n_cols: int, missing: float
) -> list[tuple[int, int]]:
    """The same min-cost maximum matching on a sparse graph that always has a full matching: beside the
    real edges, each out may take a private stand-in (cost `missing`), each in too, and stand-ins pair
    with each other along the real edges; so leaving an edge unmatched costs `missing` twice."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    out_stand_in, in_stand_in = n_cols + np.arange(n_rows), n_rows + np.arange(n_cols)  # columns, rows
    left = np.concatenate([row_of, np.arange(n_rows), in_stand_in, n_rows + col_of])
    right = np.concatenate([col_of, out_stand_in, np.arange(n_cols), n_cols + row_of])
    weight = np.concatenate([cost, np.full(n_rows + n_cols, missing), np.ones(len(cost))])
    graph = csr_matrix((weight, (left, right)), shape=(n_rows + n_cols,) * 2)
    picked_rows, picked_cols = min_weight_full_bipartite_matching(graph)
    return [(int(r), int(c)) for r, c in zip(picked_rows, picked_cols, strict=True) if r < n_rows and c < n_cols]
