"""nestjs_playground.infra.sns_topic against the local AWS endpoint, in the amazon.aws pattern: create /
modify / delete, each in check mode, for real, and again; the real topic read after each. The first step
is what community.aws.sns_topic cannot do: check mode on a topic that does not exist yet."""

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.sns_topic"
NAME = "module-test-alarms"
ARN = f"arn:aws:sns:us-east-1:123456789012:{NAME}"
CREATE = {"name": NAME, "display_name": "module test alarms", "tags": {"App": "a", "Env": "dev"},
          "subscriptions": [{"protocol": "email", "endpoint": "one@example.com"}, {"protocol": "email", "endpoint": "two@example.com"}]}
MODIFY = {"name": NAME, "display_name": "renamed", "tags": {"App": "a", "Env": "qa"},
          "subscriptions": [{"protocol": "email", "endpoint": "TWO@example.com"}, {"protocol": "email", "endpoint": "three@example.com"}]}
DELETE = {"name": NAME, "state": "absent"}


def observe(sns):
    """The topic's display name, subscribed addresses and tags, or None."""
    if ARN not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]:
        return None
    return {
        "display_name": sns.get_topic_attributes(TopicArn=ARN)["Attributes"]["DisplayName"],
        "endpoints": sorted(s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=ARN)["Subscriptions"]),
        "tags": {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=ARN)["Tags"]},
    }


@pytest.fixture(scope="module")
def steps(ansible):
    sns = ansible.client("sns")
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(sns))

    step("create_check", CREATE, check=True)
    step("create", CREATE)
    step("create_again", CREATE)
    step("modify_check", MODIFY, check=True)
    step("modify", MODIFY)
    step("modify_again", MODIFY)
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    step("delete_again", DELETE)
    return out


def test_create_in_check_mode_reports_the_topic_it_would_create_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result.get("failed") is not True, result
    assert result["changed"] is True and state is None
    assert result["topic"]["arn"] == ARN
    assert result["diff"]["before"] == {}
    assert [s["endpoint"] for s in result["diff"]["after"]["subscriptions"]] == ["one@example.com", "two@example.com"]


def test_create_makes_the_topic_with_its_name_subscriptions_and_tags(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state == {"display_name": "module test alarms", "endpoints": ["one@example.com", "two@example.com"],
                     "tags": {"App": "a", "Env": "dev"}}
    assert result["topic"]["arn"] == ARN


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["create"][1]


def test_modify_in_check_mode_reports_the_changes_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    assert (result["diff"]["before"]["display_name"], result["diff"]["after"]["display_name"]) == ("module test alarms", "renamed")
    # the address differing only in case is the same subscription
    assert sorted(s["endpoint"] for s in result["diff"]["after"]["subscriptions"]) == ["three@example.com", "two@example.com"]


def test_modify_renames_retags_and_changes_the_subscribers(steps):
    _, state = steps["modify"]
    assert state == {"display_name": "renamed", "endpoints": ["three@example.com", "two@example.com"], "tags": {"App": "a", "Env": "qa"}}


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["modify"][1]


def test_delete_in_check_mode_deletes_nothing_then_delete_removes_the_topic_and_again_changes_nothing(steps):
    assert steps["delete_check"][0]["changed"] is True and steps["delete_check"][1] == steps["modify"][1]
    assert steps["delete"][0]["changed"] is True and steps["delete"][1] is None
    assert steps["delete_again"][0]["changed"] is False and steps["delete_again"][1] is None
    assert steps["delete"][0]["diff"]["before"]["display_name"] == "renamed"
