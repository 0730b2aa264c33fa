"""How make test orders its work units (tests/scheduling.py): longest first, each unit kept together."""

import os

import scheduling

ROOT = scheduling.ROOT


def test_the_longest_unit_starts_first_and_each_unit_stays_together_in_its_order():
    groups = ["unit_a", "unit_a", "long", "short", "long", "long"]
    durations = {"unit_a": 1.0, "long": 300.0, "short": 20.0}
    assert scheduling.longest_first(groups, durations) == [2, 4, 5, 3, 0, 1]


def test_a_unit_never_measured_counts_as_the_longest_so_it_never_starts_last():
    groups = ["known", "new_scenario", "new_scenario"]
    assert scheduling.longest_first(groups, {"known": 500.0}) == [1, 2, 0]


def test_units_of_equal_length_and_an_empty_table_keep_the_collection_order():
    groups = ["b", "a", "b", "c"]
    assert scheduling.longest_first(groups, {}) == [0, 2, 1, 3]
    assert scheduling.longest_first(groups, {"a": 5, "b": 5, "c": 5}) == [0, 2, 1, 3]


def test_the_measured_table_names_only_units_that_exist():
    for group, seconds in scheduling.load_durations().items():
        assert isinstance(seconds, (int, float)) and seconds >= 0, group
        assert os.path.isfile(os.path.join(ROOT, group)), group


def test_a_test_belongs_to_the_unit_of_its_module():
    assert scheduling.unit_of("tests/integration/test_plan.py::test_a[x::y]") == "tests/integration/test_plan.py"
