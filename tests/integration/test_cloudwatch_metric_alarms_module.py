"""nestjs_playground.infra.cloudwatch_metric_alarms against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real, and again; the real alarms read after each."""

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.cloudwatch_metric_alarms"
TOPIC = "arn:aws:sns:us-east-1:123456789012:module-test-alarms"
CPU = {
    "name": "module-test-cpu-high", "description": "CPU above 80% for 5 minutes",
    "namespace": "AWS/ECS", "metric_name": "CPUUtilization", "dimensions": {"ClusterName": "c", "ServiceName": "s"},
    "statistic": "Average", "period": 60, "evaluation_periods": 5, "threshold": 80, "comparison_operator": "GreaterThanThreshold",
    "treat_missing_data": "notBreaching", "alarm_actions": [TOPIC], "ok_actions": [TOPIC],
}
TASKS = {
    "name": "module-test-not-running", "namespace": "ECS/ContainerInsights", "metric_name": "RunningTaskCount",
    "dimensions": {"ClusterName": "c", "ServiceName": "s"}, "statistic": "Maximum", "period": 300, "evaluation_periods": 2,
    "threshold": 1, "comparison_operator": "LessThanThreshold", "treat_missing_data": "breaching", "alarm_actions": [TOPIC],
}
TAGS = {"App": "a", "Env": "dev"}
CREATE = {"alarms": [CPU, TASKS], "tags": TAGS}
# The CPU alarm's threshold, evaluation and actions change; the other alarm only its tags.
MODIFY = {"alarms": [dict(CPU, threshold=90, datapoints_to_alarm=3, ok_actions=[]), TASKS], "tags": dict(TAGS, Env="qa")}
DELETE = {"alarms": [{"name": CPU["name"], "state": "absent"}, {"name": TASKS["name"], "state": "absent"}]}


def observe(cloudwatch):
    """{alarm name: (the alarm as DescribeAlarms returns it, its tags)} of what the emulator holds."""
    return {
        alarm["AlarmName"]: (alarm, {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]})
        for alarm in cloudwatch.describe_alarms()["MetricAlarms"]
    }


@pytest.fixture(scope="module")
def steps(ansible):
    cloudwatch = ansible.client("cloudwatch")
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(cloudwatch))

    step("create_check", CREATE, check=True)
    step("create", CREATE)
    step("create_again", CREATE)
    step("modify_check", MODIFY, check=True)
    step("modify", MODIFY)
    step("modify_again", MODIFY)
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    step("delete_again", DELETE)
    step("bad", {"alarms": [CPU, dict(CPU), {"name": "x", "namespace": "AWS/ECS"}]})
    return out


def changed_alarms(result):
    return [alarm["name"] for alarm in result["alarms"] if alarm["changed"]]


def test_create_in_check_mode_reports_both_alarms_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True and changed_alarms(result) == [CPU["name"], TASKS["name"]]
    assert state == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"][CPU["name"]]["threshold"] == 80.0
    assert result["diff"]["after"][CPU["name"]]["tags"] == TAGS


def test_create_makes_each_alarm_as_asked_with_its_tags(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    alarm, tags = state[CPU["name"]]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/ECS", "CPUUtilization", "Average")
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == CPU["dimensions"]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (60, 5, 5)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (80.0, "GreaterThanThreshold")
    assert (alarm["TreatMissingData"], alarm["AlarmActions"], alarm["OKActions"]) == ("notBreaching", [TOPIC], [TOPIC])
    assert alarm["AlarmDescription"] == CPU["description"]
    assert tags == TAGS
    other, other_tags = state[TASKS["name"]]
    assert (other["ComparisonOperator"], other["Threshold"], other["TreatMissingData"]) == ("LessThanThreshold", 1.0, "breaching")
    assert other["OKActions"] == [] and other_tags == TAGS
    assert {a["name"]: a["alarm_arn"] for a in result["alarms"]} == {name: a["AlarmArn"] for name, (a, _) in state.items()}


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["create"][1]


def test_modify_in_check_mode_reports_both_alarms_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert changed_alarms(result) == [CPU["name"], TASKS["name"]]
    assert state == steps["create"][1]
    before, after = result["diff"]["before"][CPU["name"]], result["diff"]["after"][CPU["name"]]
    assert (before["threshold"], after["threshold"]) == (80.0, 90.0)
    assert (before["ok_actions"], after["ok_actions"]) == ([TOPIC], [])
    assert result["diff"]["after"][TASKS["name"]]["tags"]["Env"] == "qa"


def test_modify_rewrites_the_changed_alarm_and_retags_the_other(steps):
    _, state = steps["modify"]
    alarm, tags = state[CPU["name"]]
    assert (alarm["Threshold"], alarm["DatapointsToAlarm"], alarm["OKActions"], alarm["AlarmActions"]) == (90.0, 3, [], [TOPIC])
    assert alarm["AlarmDescription"] == CPU["description"] and alarm["TreatMissingData"] == "notBreaching"
    assert tags == dict(TAGS, Env="qa")
    other, other_tags = state[TASKS["name"]]
    assert other == steps["create"][1][TASKS["name"]][0]   # retagged, not rewritten (same update timestamp)
    assert other_tags == dict(TAGS, Env="qa")


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False, result["diff"]
    assert state == steps["modify"][1]


def test_delete_in_check_mode_reports_both_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert changed_alarms(result) == [CPU["name"], TASKS["name"]]
    assert state == steps["modify"][1]
    assert result["diff"]["after"] == {} and set(result["diff"]["before"]) == {CPU["name"], TASKS["name"]}


def test_delete_removes_both_and_again_changes_nothing(steps):
    assert steps["delete"][0]["changed"] is True and steps["delete"][1] == {}
    assert steps["delete_again"][0]["changed"] is False and steps["delete_again"][1] == {}


def test_duplicate_names_and_an_incomplete_alarm_fail_before_any_change(steps):
    result, state = steps["bad"]
    assert result["failed"] is True
    assert "alarm names must be unique, and module-test-cpu-high appear more than once" in result["msg"]
    assert "alarm x is present but has no metric_name, statistic, period, evaluation_periods, threshold, comparison_operator" in result["msg"]
    assert state == {}
