"""Reading one raw /transactions/sync page: the fields Finboard uses are validated, the rest ignored."""

import orjson
import pytest

from core.products.transactions import MalformedPage, parse_page
from core.sync.fetch import peek_continuation
from tests.unit.sync_world import ChangeLogWorld


def page_with(**changes):
    world = ChangeLogWorld(page_size=10)
    posted = world.post(world.add(pending=True))
    world.modify(posted, amount=12)  # an integer amount is a number too
    body = orjson.loads(world.page("", 500))
    body.update(changes)
    return orjson.dumps(body, option=orjson.OPT_INDENT_2)  # Plaid pretty-prints its JSON


def test_a_page_becomes_ordered_changes_with_its_continuation():
    page = parse_page(page_with(), seq_start=100)
    assert (page.added, page.modified, page.removed) == (2, 1, 1)
    assert page.changes.column("seq").to_pylist() == [100, 101, 102, 103]
    assert page.changes.column("removed").to_pylist() == [False, False, False, True]
    assert page.changes.column("amount").to_pylist()[2] == 12.0
    assert page.changes.column("category_detailed").to_pylist()[0] == "FOOD_AND_DRINK_COFFEE"
    assert (page.next_cursor, page.has_more) == ("4", False)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"next_cursor": None}, "next_cursor"),
        ({"has_more": "no"}, "has_more"),
        ({"added": None}, "added"),
        ({"removed": [{"account_id": "a"}]}, "removed transaction without a transaction_id"),
        ({"modified": [{"transaction_id": "t", "account_id": "a", "date": "2024-01-01", "pending": False}]}, "amount"),
    ],
)
def test_a_page_missing_what_finboard_uses_is_refused(changes, problem):
    with pytest.raises(MalformedPage, match=problem):
        parse_page(page_with(**changes), seq_start=0)


def test_not_json_is_refused():
    with pytest.raises(MalformedPage):
        parse_page(b"<html>502 Bad Gateway</html>", seq_start=0)


def test_the_continuation_is_read_from_the_raw_bytes_only_when_unambiguous():
    assert peek_continuation(page_with(next_cursor="abc=", has_more=True)) == ("abc=", True)
    tricky = page_with()
    assert peek_continuation(tricky.replace(b'"name": "Coffee"', b'"name": "Coffee", "next_cursor": "x"')) is None
