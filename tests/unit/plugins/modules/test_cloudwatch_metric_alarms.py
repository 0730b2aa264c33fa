"""What cloudwatch_metric_alarms decides for each alarm, from (desired, current), without AWS."""

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudwatch_metric_alarms import (
    FIELDS,
    configuration,
    converge,
    current_configuration,
    plan,
    problems,
    put_arguments,
)
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

TOPIC = "arn:aws:sns:us-east-1:123456789012:app-dev-alarms"
TAGS = {"App": "app", "Env": "dev"}


def desired(**overrides):
    """The module's options for one alarm, with the defaults Ansible fills in."""
    alarm = {
        "name": "app-dev-app-cpu-high", "state": "present", "description": "CPU above 80%",
        "namespace": "AWS/ECS", "metric_name": "CPUUtilization", "dimensions": {"ClusterName": "app-dev", "ServiceName": "app-dev"},
        "statistic": "Average", "unit": None, "period": 60, "evaluation_periods": 5, "datapoints_to_alarm": None,
        "threshold": 80.0, "comparison_operator": "GreaterThanThreshold", "treat_missing_data": "notBreaching",
        "actions_enabled": True, "alarm_actions": [TOPIC], "ok_actions": [TOPIC], "insufficient_data_actions": [],
    }
    alarm.update(overrides)
    return alarm


def described(**overrides):
    """The alarm as DescribeAlarms returns it on AWS: defaults left out, dimensions as a list in AWS's order."""
    alarm = {
        "AlarmName": "app-dev-app-cpu-high", "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:app-dev-app-cpu-high",
        "AlarmDescription": "CPU above 80%", "ActionsEnabled": True, "OKActions": [TOPIC], "AlarmActions": [TOPIC],
        "InsufficientDataActions": [], "StateValue": "INSUFFICIENT_DATA", "MetricName": "CPUUtilization", "Namespace": "AWS/ECS",
        "Statistic": "Average", "Dimensions": [{"Name": "ServiceName", "Value": "app-dev"}, {"Name": "ClusterName", "Value": "app-dev"}],
        "Period": 60, "EvaluationPeriods": 5, "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }
    alarm.update(overrides)
    return alarm


def current(alarm=None, tags=None):
    alarm = alarm or described()
    return {"configuration": current_configuration(alarm), "tags": dict(TAGS) if tags is None else tags, "arn": alarm["AlarmArn"]}


def test_an_alarm_as_aws_returns_it_with_its_defaults_left_out_is_no_change():
    decision = plan(desired(), current(), TAGS, True)
    assert (decision["action"], decision["fields"], decision["changed"]) == (None, [], False)


def test_the_dimensions_order_and_the_number_types_do_not_matter():
    alarm = described(Threshold=80, Dimensions=list(reversed(described()["Dimensions"])))
    assert plan(desired(threshold=80), current(alarm), TAGS, True)["changed"] is False


def test_datapoints_to_alarm_equal_to_the_evaluation_periods_is_what_aws_omits():
    assert plan(desired(datapoints_to_alarm=5), current(), TAGS, True)["changed"] is False
    decision = plan(desired(datapoints_to_alarm=3), current(), TAGS, True)
    assert decision["fields"] == ["datapoints_to_alarm"]


def test_a_missing_alarm_is_created_with_its_tags():
    decision = plan(desired(), None, TAGS, True)
    assert decision["action"] == "create" and decision["changed"]
    assert decision["before"] == {}
    assert decision["after"]["tags"] == TAGS
    assert decision["after"]["dimensions"] == {"ClusterName": "app-dev", "ServiceName": "app-dev"}
    assert decision["tags_to_set"] == TAGS


@pytest.mark.parametrize(("option", "value", "fields"), [
    ("threshold", 90.0, ["threshold"]),
    ("period", 300, ["period"]),
    # datapoints_to_alarm not given means all the evaluated periods: it follows them
    ("evaluation_periods", 3, ["evaluation_periods", "datapoints_to_alarm"]),
    ("comparison_operator", "GreaterThanOrEqualToThreshold", ["comparison_operator"]),
    ("dimensions", {"ClusterName": "app-dev", "ServiceName": "other"}, ["dimensions"]),
    ("alarm_actions", [], ["alarm_actions"]),
    ("treat_missing_data", "breaching", ["treat_missing_data"]),
    ("description", "", ["description"]),
    ("statistic", "Maximum", ["statistic"]),
])
def test_each_configuration_field_that_differs_is_an_update_of_that_field_alone(option, value, fields):
    decision = plan(desired(**{option: value}), current(), TAGS, True)
    assert decision["action"] == "update"
    assert decision["fields"] == fields
    assert decision["after"][option] == configuration(desired(**{option: value}))[option]


def test_missing_data_treatment_aws_leaves_out_reads_as_missing():
    alarm = described()
    del alarm["TreatMissingData"]
    assert plan(desired(treat_missing_data="missing"), current(alarm), TAGS, True)["changed"] is False
    assert plan(desired(), current(alarm), TAGS, True)["fields"] == ["treat_missing_data"]


def test_tags_alone_are_retagged_without_rewriting_the_alarm():
    decision = plan(desired(), current(tags={"App": "app", "Env": "qa", "Extra": "x"}), TAGS, True)
    assert decision["action"] is None and decision["changed"]
    assert decision["tags_to_set"] == {"Env": "dev"}
    assert decision["tags_to_remove"] == ["Extra"]
    assert decision["after"]["tags"] == TAGS


def test_tags_none_leaves_the_tags_alone():
    decision = plan(desired(), current(tags={"Other": "x"}), None, True)
    assert decision["changed"] is False
    assert decision["after"]["tags"] == {"Other": "x"}


def test_an_absent_alarm_that_exists_is_deleted_and_one_that_does_not_is_left():
    decision = plan({"name": "x", "state": "absent"}, current(), TAGS, True)
    assert (decision["action"], decision["changed"], decision["after"]) == ("delete", True, {})
    assert decision["before"]["threshold"] == 80.0
    nothing = plan({"name": "x", "state": "absent"}, None, TAGS, True)
    assert (nothing["action"], nothing["changed"], nothing["before"]) == (None, False, {})


def test_put_arguments_send_every_field_since_put_metric_alarm_replaces_the_alarm():
    kwargs = put_arguments("app-dev-app-cpu-high", configuration(desired()), TAGS)
    assert kwargs["Dimensions"] == [{"Name": "ClusterName", "Value": "app-dev"}, {"Name": "ServiceName", "Value": "app-dev"}]
    assert kwargs["DatapointsToAlarm"] == 5
    assert kwargs["TreatMissingData"] == "notBreaching"
    assert kwargs["OKActions"] == [TOPIC] and kwargs["AlarmActions"] == [TOPIC] and kwargs["InsufficientDataActions"] == []
    assert kwargs["Tags"] == [{"Key": "App", "Value": "app"}, {"Key": "Env", "Value": "dev"}]
    assert "Unit" not in kwargs
    assert "Tags" not in put_arguments("x", configuration(desired()))
    assert set(FIELDS.values()) - {"Unit"} <= set(kwargs)


def test_problems_name_duplicates_and_what_a_present_alarm_lacks():
    assert problems([desired(), {"name": "gone", "state": "absent"}]) == []
    found = problems([desired(), desired(), desired(name="b", threshold=None, period=None),
                      desired(name="c", datapoints_to_alarm=6)])
    assert found == [
        "alarm names must be unique, and app-dev-app-cpu-high appear more than once",
        "alarm b is present but has no period, threshold",
        "alarm c: datapoints_to_alarm 6 must be 1 to evaluation_periods (5)",
    ]


# The alarms in CloudWatch (botocore Stubber) ---------------------------------------------------------

def test_alarms_are_read_with_their_tags_by_arn_and_one_deleted_meanwhile_is_no_error():
    alarm = described()
    module = FakeModule({"alarms": [{"name": alarm["AlarmName"], "state": "absent"}], "tags": None, "purge_tags": True})
    aws = ServiceCalls(module, "cloudwatch")
    with module.stubber("cloudwatch") as stubber:
        stubber.add_response("describe_alarms", {"MetricAlarms": [alarm]}, {"AlarmNames": [alarm["AlarmName"]], "AlarmTypes": ["MetricAlarm"]})
        stubber.add_response("list_tags_for_resource", {"Tags": [{"Key": "Env", "Value": "dev"}]}, {"ResourceARN": alarm["AlarmArn"]})
        stubber.add_client_error("delete_alarms", "ResourceNotFound", expected_params={"AlarmNames": [alarm["AlarmName"]]})
        result = converge(module, aws)
        stubber.assert_no_pending_responses()
    assert result["changed"] is True and result["diff"]["before"][alarm["AlarmName"]]["tags"] == {"Env": "dev"}
    assert result["alarms"] == [{"name": alarm["AlarmName"], "state": "absent", "changed": True, "configuration": {}, "tags": {}}]


def test_an_alarm_whose_tags_alone_differ_is_retagged_by_arn_and_not_written_again():
    alarm = described()
    module = FakeModule({"alarms": [desired()], "tags": {"Env": "qa"}, "purge_tags": True})
    aws = ServiceCalls(module, "cloudwatch")
    with module.stubber("cloudwatch") as stubber:
        stubber.add_response("describe_alarms", {"MetricAlarms": [alarm]})
        stubber.add_response("list_tags_for_resource", {"Tags": [{"Key": "Env", "Value": "dev"}, {"Key": "Old", "Value": "1"}]})
        stubber.add_response("untag_resource", {}, {"ResourceARN": alarm["AlarmArn"], "TagKeys": ["Old"]})
        stubber.add_response("tag_resource", {}, {"ResourceARN": alarm["AlarmArn"], "Tags": [{"Key": "Env", "Value": "qa"}]})
        result = converge(module, aws)
        stubber.assert_no_pending_responses()
    assert result["alarms"][0]["changed"] is True and result["alarms"][0]["alarm_arn"] == alarm["AlarmArn"]
