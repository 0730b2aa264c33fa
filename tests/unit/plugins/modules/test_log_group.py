from ansible_collections.nestjs_playground.infra.plugins.modules.log_group import plan

TAGS = {"App": "nestjs-playground", "Env": "dev"}
ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app"


def current(retention=7, tags=None):
    """Shaped like LogGroups.describe()."""
    return {"log_group_name": "/ecs/app", "arn": ARN, "retention_in_days": retention, "tags": dict(TAGS) if tags is None else tags}


def test_a_missing_log_group_is_created_with_its_retention_and_tags():
    decision = plan(7, None, TAGS, True)
    assert decision["create"] and decision["put_retention"] and decision["changed"]
    assert decision["tags_to_set"] == {} and decision["tags_to_remove"] == []   # tags go with the creation
    assert decision["before"] == {}
    assert decision["after"] == {"retention_in_days": 7, "tags": TAGS}


def test_a_new_log_group_without_retention_keeps_events_forever():
    decision = plan(None, None, None, True)
    assert decision["create"] and not decision["put_retention"]
    assert decision["after"] == {"retention_in_days": None, "tags": {}}


def test_the_same_retention_and_tags_change_nothing():
    decision = plan(7, current(), TAGS, True)
    assert not decision["changed"]
    assert decision["before"] == decision["after"]


def test_another_retention_is_put_and_shown_in_the_diff():
    decision = plan(14, current(), TAGS, True)
    assert decision["changed"] and decision["put_retention"] and not decision["create"]
    assert (decision["before"]["retention_in_days"], decision["after"]["retention_in_days"]) == (7, 14)


def test_a_log_group_kept_forever_gets_the_asked_retention():
    decision = plan(30, current(retention=None), TAGS, True)
    assert decision["put_retention"] and decision["changed"]


def test_no_retention_asked_leaves_the_current_one_alone():
    decision = plan(None, current(retention=90), TAGS, True)
    assert not decision["changed"]
    assert decision["after"]["retention_in_days"] == 90


def test_tags_are_added_changed_and_purged():
    decision = plan(7, current(tags={"App": "old", "Extra": "x"}), TAGS, True)
    assert decision["changed"] and not decision["put_retention"]
    assert decision["tags_to_set"] == {"App": "nestjs-playground", "Env": "dev"}
    assert decision["tags_to_remove"] == ["Extra"]
    assert decision["after"]["tags"] == TAGS


def test_without_purge_extra_tags_stay():
    decision = plan(7, current(tags=dict(TAGS, Extra="x")), TAGS, False)
    assert not decision["changed"]
    assert decision["after"]["tags"] == dict(TAGS, Extra="x")


def test_tags_none_leaves_the_tags_alone():
    decision = plan(7, current(tags={"Other": "y"}), None, True)
    assert not decision["changed"]
