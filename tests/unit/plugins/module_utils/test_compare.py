import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import (
    MISSING,
    changed_fields,
    make_diff,
    predicted_state,
    returned,
    values_equal,
)


@pytest.mark.parametrize(
    "desired, current, expected",
    [
        (1, 1.0, True),
        (14, 14, True),
        (0.5, "0.5", False),
        ("0.5", 0.5, False),
        (True, 1, False),
        (1, True, False),
        (False, 0, False),
        (True, True, True),
        ("MUTABLE", "MUTABLE", True),
        ("MUTABLE", "IMMUTABLE", False),
        ({"a": {"b": [1, {"c": 2}]}}, {"a": {"b": [1.0, {"c": 2.0}]}}, True),
        ({"a": {"b": [1, {"c": 2}]}}, {"a": {"b": [1, {"c": 3}]}}, False),
        ([1, 2], [2, 1], False),
        ([1, 2], (1, 2), True),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1, "b": 2}, {"a": 1}, False),
        ({}, {}, True),
        (None, None, True),
        (None, {}, False),
    ],
)
def test_values_equal_compares_numbers_as_numbers_and_containers_structurally(desired, current, expected):
    assert values_equal(desired, current) is expected


def test_changed_fields_with_no_current_lists_every_asked_field_in_desired_order():
    desired = {"b": 1, "skip": None, "a": {}, "c": False}
    assert changed_fields(desired, None) == ["b", "a", "c"]


def test_changed_fields_ignores_fields_not_asked_for():
    assert changed_fields({"a": None, "b": 1}, {"a": "other", "b": 1}) == []


@pytest.mark.parametrize("current", [{}, {"a": MISSING}], ids=["key-absent", "value-MISSING"])
def test_changed_fields_does_not_act_on_a_field_aws_did_not_return(current):
    assert changed_fields({"a": 1}, current) == []


def test_changed_fields_lists_differing_fields_in_desired_order():
    desired = {"z": 2, "same": "x", "a": [1, 2], "m": True}
    current = {"a": [2, 1], "m": False, "same": "x", "z": 1}
    assert changed_fields(desired, current) == ["z", "a", "m"]


def test_changed_fields_treats_int_and_float_of_same_value_as_unchanged():
    assert changed_fields({"n": 1, "p": {"count": 14}}, {"n": 1.0, "p": {"count": 14.0}}) == []


def test_predicted_state_overlays_asked_fields_on_current_and_drops_missing():
    current = {"a": 1, "b": 2, "gone": MISSING}
    desired = {"a": 10, "b": None, "c": 3}
    assert predicted_state(desired, current) == {"a": 10, "b": 2, "c": 3}


def test_predicted_state_without_current_is_the_asked_fields_only():
    assert predicted_state({"a": 1, "b": None}, None) == {"a": 1}


def test_predicted_state_does_not_mutate_its_inputs():
    current, desired = {"a": 1}, {"a": 2}
    predicted_state(desired, current)
    assert current == {"a": 1} and desired == {"a": 2}


@pytest.mark.parametrize(
    "before, after, expected",
    [
        ({"a": 1}, {"a": 2}, {"before": {"a": 1}, "after": {"a": 2}}),
        (None, {"a": 2}, {"before": {}, "after": {"a": 2}}),
        ({"a": 1}, None, {"before": {"a": 1}, "after": {}}),
    ],
)
def test_make_diff_returns_before_and_after_with_none_as_empty(before, after, expected):
    assert make_diff(before, after) == expected


def test_returned_keeps_what_aws_returned_of_the_named_fields_in_their_order():
    state = {"b": 2, "a": MISSING, "c": None, "d": 4}
    assert returned(state) == {"b": 2, "c": None, "d": 4}
    assert list(returned(state, ("d", "a", "b", "z"))) == ["d", "b"]
    assert returned(None) == {} and returned(None, ("a",)) == {}
