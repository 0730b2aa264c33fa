"""What sns_topic decides for a topic and its subscriptions, from (desired, current), without AWS."""

from ansible_collections.nestjs_playground.infra.plugins.modules.sns_topic import PENDING, plan, plan_subscriptions

TAGS = {"App": "app", "Env": "dev"}


def sub(endpoint, arn=None, protocol="email"):
    return {"protocol": protocol, "endpoint": endpoint, "arn": arn or f"arn:aws:sns:us-east-1:1:t:{endpoint}"}


def params(**overrides):
    base = {"name": "t", "display_name": "t alarms", "subscriptions": [{"protocol": "email", "endpoint": "a@example.com"}],
            "purge_subscriptions": True, "tags": TAGS, "purge_tags": True}
    base.update(overrides)
    return base


def topic(**overrides):
    base = {"display_name": "t alarms", "subscriptions": [sub("a@example.com")], "tags": dict(TAGS)}
    base.update(overrides)
    return base


def test_a_missing_topic_is_created_with_its_name_tags_and_pending_mail_subscriptions():
    decision = plan(params(), None)
    assert decision["create"] and decision["changed"]
    assert decision["tags_to_set"] == TAGS
    assert decision["to_add"] == [{"protocol": "email", "endpoint": "a@example.com"}]
    assert decision["before"] == {}
    assert decision["after"] == {"display_name": "t alarms", "tags": TAGS,
                                 "subscriptions": [{"protocol": "email", "endpoint": "a@example.com", "pending": True}]}


def test_a_topic_as_asked_is_no_change():
    assert plan(params(), topic())["changed"] is False


def test_addresses_are_compared_without_case_and_a_pending_one_is_not_subscribed_again():
    assert plan(params(subscriptions=[{"protocol": "email", "endpoint": "A@Example.com"}]), topic())["changed"] is False
    pending = topic(subscriptions=[sub("a@example.com", arn=PENDING)])
    decision = plan(params(), pending)
    assert decision["changed"] is False
    assert decision["after"]["subscriptions"] == [{"protocol": "email", "endpoint": "a@example.com", "pending": True}]


def test_a_new_address_is_added_and_a_confirmed_unwanted_one_removed():
    decision = plan(params(subscriptions=[{"protocol": "email", "endpoint": "b@example.com"}]), topic())
    assert decision["changed"]
    assert decision["to_add"] == [{"protocol": "email", "endpoint": "b@example.com"}]
    assert decision["to_remove"] == ["arn:aws:sns:us-east-1:1:t:a@example.com"]
    assert [s["endpoint"] for s in decision["after"]["subscriptions"]] == ["b@example.com"]


def test_an_unwanted_pending_subscription_cannot_be_removed_and_is_reported_instead():
    to_add, to_remove, stuck, after = plan_subscriptions([], [sub("a@example.com", arn=PENDING)], True)
    assert (to_add, to_remove) == ([], [])
    assert [s["endpoint"] for s in stuck] == ["a@example.com"]
    assert [s["endpoint"] for s in after] == ["a@example.com"]


def test_without_purge_or_without_subscriptions_the_others_are_kept():
    kept = topic(subscriptions=[sub("a@example.com"), sub("other@example.com")])
    assert plan(params(purge_subscriptions=False), kept)["changed"] is False
    assert plan(params(subscriptions=None), kept)["changed"] is False


def test_display_name_and_tags_are_updated_alone():
    decision = plan(params(display_name="new"), topic(tags={"App": "app", "Env": "qa"}))
    assert decision["display_name"] == "new"
    assert decision["tags_to_set"] == {"Env": "dev"}
    assert decision["to_add"] == [] and decision["to_remove"] == []
    assert decision["before"]["display_name"] == "t alarms" and decision["after"]["display_name"] == "new"


def test_display_name_not_given_keeps_the_topic_s_own():
    decision = plan(params(display_name=None), topic(display_name="kept"))
    assert decision["changed"] is False and decision["after"]["display_name"] == "kept"
