import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import owned_changes, tag_changes, tag_plan, tags_after

CURRENT = {"App": "nestjs-playground", "Env": "dev", "Extra": "x"}


@pytest.mark.parametrize("purge", [True, False])
def test_tag_changes_with_no_desired_tags_changes_nothing(purge):
    assert tag_changes(CURRENT, None, purge) == ({}, [])


@pytest.mark.parametrize("purge", [True, False])
def test_tags_after_with_no_desired_tags_keeps_current(purge):
    assert tags_after(CURRENT, None, purge) == CURRENT


def test_tag_changes_with_purge_removes_unrequested_keys_sorted():
    assert tag_changes(CURRENT, {"Env": "dev"}, True) == ({}, ["App", "Extra"])


def test_tag_changes_without_purge_keeps_unrequested_keys():
    assert tag_changes(CURRENT, {"Env": "dev"}, False) == ({}, [])


def test_tag_changes_sets_a_changed_value_and_a_new_key():
    to_set, to_remove = tag_changes(CURRENT, {"App": "nestjs-playground", "Env": "prod", "OU": "eng", "Extra": "x"})
    assert (to_set, to_remove) == ({"Env": "prod", "OU": "eng"}, [])


def test_tag_changes_on_a_resource_without_tags_sets_everything():
    assert tag_changes(None, {"App": "a"}) == ({"App": "a"}, [])


def test_tag_changes_of_equal_tags_is_empty():
    assert tag_changes(CURRENT, dict(CURRENT)) == ({}, [])


@pytest.mark.parametrize(
    "purge, expected",
    [
        (True, {"Env": "prod", "OU": "eng"}),
        (False, {"App": "nestjs-playground", "Env": "prod", "Extra": "x", "OU": "eng"}),
    ],
)
def test_tags_after_applies_sets_and_removals(purge, expected):
    assert tags_after(CURRENT, {"Env": "prod", "OU": "eng"}, purge) == expected


def test_tags_after_does_not_mutate_current():
    current = dict(CURRENT)
    tags_after(current, {"Env": "prod"}, True)
    assert current == CURRENT


def test_owned_changes_of_an_existing_resource_are_its_differing_fields_tag_changes_and_state_after():
    before = {"port": 80, "path": "/", "tags": {"Env": "dev", "Old": "x"}}
    fields, to_set, to_remove, after = owned_changes({"port": 8080, "path": None}, before, {"Env": "prd"}, True)
    assert (fields, to_set, to_remove) == (["port"], {"Env": "prd"}, ["Old"])
    assert after == {"port": 8080, "path": "/", "tags": {"Env": "prd"}}


def test_owned_changes_of_a_new_resource_are_every_asked_field_with_the_asked_tags():
    assert owned_changes({"port": 80, "path": None}, None, {"Env": "dev"}, True) == (["port"], {"Env": "dev"}, [], {"port": 80, "tags": {"Env": "dev"}})
    assert owned_changes({"port": 80}, None, None, True) == (["port"], {}, [], {"port": 80, "tags": {}})


def test_tag_plan_of_an_existing_resource_is_its_changes_and_the_tags_after():
    assert tag_plan(CURRENT, {"Env": "prd"}, True) == ({"Env": "prd"}, ["App", "Extra"], {"Env": "prd"})
    assert tag_plan(CURRENT, None, True) == ({}, [], CURRENT)


def test_tag_plan_of_a_resource_to_create_sets_nothing_after_its_creation_and_ignores_what_it_is_given():
    assert tag_plan({"Stale": "x"}, {"Env": "dev"}, True, exists=False) == ({}, [], {"Env": "dev"})
    assert tag_plan(None, None, True, exists=False) == ({}, [], {})
