"""kmrbf.report.structured: structured data renders as a table or not at all."""

from __future__ import annotations

from kmrbf.report.structured import BULKY_ROWS, HIDDEN, data_tables, data_values, is_scalar


def test_scalars_and_short_lists_are_values_hidden_keys_never_print():
    data = {"n": 3, "flag": True, "none": None, "v": [1.5, 2], "timings": {"s": 1.0}, "obligations": [{"a": 1}],
            "max_examples": 100, "long": list(range(50)), "text": "x" * 400}
    assert data_values(data) == [("flag", True), ("n", 3), ("none", None), ("v", "1.5, 2")]
    assert data_tables(data) == []  # long list, long text, hidden keys: not at all
    assert {"timings", "obligations", "traceback", "strategy", "max_examples"} <= set(HIDDEN)
    assert is_scalar("short") and not is_scalar("x" * 400) and not is_scalar([1])


def test_mappings_and_records_become_tables():
    data = {"ratio": {"a": 0.5, "b": [1, 2]},
            "per_curve": {"c1": {"above": 1, "below": 2}, "c2": {"above": 3, "zero": 0}},
            "rows": [{"k": 1, "v": "x"}, {"k": 2}],
            "nested": {"c": {"deep": {"x": 1}}}, "series": {"c": [0.1] * 40}}
    t = {x.caption: x for x in data_tables(data)}
    assert set(t) == {"ratio", "per_curve", "rows"}
    assert t["ratio"].columns == ["key", "value"] and t["ratio"].rows == [["a", 0.5], ["b", "1, 2"]]
    assert t["per_curve"].columns == ["", "above", "below", "zero"]
    assert t["per_curve"].rows == [["c1", 1, 2, None], ["c2", 3, None, 0]]
    assert t["rows"].columns == ["k", "v"] and t["rows"].rows == [[1, "x"], [2, None]]
    assert BULKY_ROWS >= 10
