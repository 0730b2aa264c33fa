from ansible_collections.nestjs_playground.infra.plugins.modules.vpc_flow_log import (
    current_state,
    desired_state,
    diff_view,
    ours,
    plan,
    predicted,
    view,
)

VPC = "vpc-0123456789abcdef0"
GROUP = "/vpc/nestjs-playground-dev/flow-logs"
ROLE = "arn:aws:iam::123456789012:role/nestjs-playground-dev-flow-logs"
PARAMS = {"resource_id": VPC, "log_group_name": GROUP, "deliver_logs_permission_arn": ROLE, "traffic_type": "ALL",
          "max_aggregation_interval": 600, "log_format": None}
TAGS = {"App": "nestjs-playground", "Env": "dev"}


def described(flow_log_id="fl-1", created="2026-11-01T00:00:00Z", **overrides):
    flow_log = {"FlowLogId": flow_log_id, "ResourceId": VPC, "LogDestinationType": "cloud-watch-logs", "LogGroupName": GROUP,
                "DeliverLogsPermissionArn": ROLE, "TrafficType": "ALL", "MaxAggregationInterval": 600, "CreationTime": created,
                "LogFormat": "${version} ${account-id} ${interface-id}", "FlowLogStatus": "ACTIVE",
                "Tags": [{"Key": "App", "Value": "nestjs-playground"}, {"Key": "Env", "Value": "dev"}]}
    flow_log.update(overrides)
    return flow_log


def test_only_the_flow_logs_of_the_resource_into_the_log_group_are_ours_oldest_first():
    other_destination = described("fl-s3", LogDestinationType="s3", LogGroupName=None)
    other_group = described("fl-other", LogGroupName="/vpc/someone-else")
    other_vpc = described("fl-vpc", ResourceId="vpc-other")
    newer, older = described("fl-2", created="2026-11-02T00:00:00Z"), described("fl-1")
    assert [f["FlowLogId"] for f in ours([other_destination, other_group, other_vpc, newer, older], VPC, GROUP)] == ["fl-1", "fl-2"]


def test_a_matching_flow_log_with_its_tags_is_no_change():
    decision = plan(desired_state(PARAMS), [described()], TAGS, True)
    assert decision["keep"]["FlowLogId"] == "fl-1"
    assert (decision["delete"], decision["create"], decision["changed"]) == ([], False, False)


def test_none_is_created():
    decision = plan(desired_state(PARAMS), [], TAGS, True)
    assert (decision["keep"], decision["delete"], decision["create"], decision["changed"]) == (None, [], True, True)


def test_another_setting_replaces_the_flow_log_since_aws_cannot_modify_one():
    for change in ({"traffic_type": "REJECT"}, {"max_aggregation_interval": 60},
                   {"deliver_logs_permission_arn": ROLE + "-2"}, {"log_format": "${srcaddr} ${dstaddr}"}):
        decision = plan(desired_state(dict(PARAMS, **change)), [described()], TAGS, True)
        assert (decision["keep"], decision["delete"], decision["create"]) == (None, ["fl-1"], True), change


def test_the_log_format_is_not_compared_unless_asked_for():
    assert plan(desired_state(PARAMS), [described(LogFormat="${srcaddr}")], TAGS, True)["changed"] is False


def test_tags_alone_are_changed_in_place():
    decision = plan(desired_state(PARAMS), [described()], dict(TAGS, Owner="team@example.com", Env="prd"), True)
    assert decision["keep"]["FlowLogId"] == "fl-1" and decision["create"] is False
    assert decision["tags_to_set"] == {"Owner": "team@example.com", "Env": "prd"}
    assert decision["changed"] is True
    assert plan(desired_state(PARAMS), [described()], {"App": "nestjs-playground"}, True)["tags_to_remove"] == ["Env"]
    assert plan(desired_state(PARAMS), [described()], None, True)["changed"] is False


def test_duplicates_are_reduced_to_the_first_that_matches():
    decision = plan(desired_state(PARAMS), [described("fl-1", TrafficType="REJECT"), described("fl-2"), described("fl-3")], TAGS, True)
    assert decision["keep"]["FlowLogId"] == "fl-2"
    assert decision["delete"] == ["fl-1", "fl-3"]
    assert decision["changed"] is True


def test_a_setting_aws_does_not_report_is_not_a_difference():
    flow_log = described()
    del flow_log["MaxAggregationInterval"]
    assert plan(desired_state(PARAMS), [flow_log], TAGS, True)["changed"] is False
    assert "max_aggregation_interval" in current_state(described())


def test_the_prediction_shows_what_is_asked_and_the_view_what_aws_has():
    shown = view(predicted(PARAMS, TAGS))
    assert shown == {"resource_id": VPC, "log_group_name": GROUP, "deliver_logs_permission_arn": ROLE, "traffic_type": "ALL",
                     "max_aggregation_interval": 600, "tags": TAGS}
    assert view(described())["flow_log_id"] == "fl-1"
    assert view({}) == {}


def test_the_diff_holds_one_flow_log_or_the_list_of_several():
    one = view(described())
    assert diff_view([one]) == {k: v for k, v in one.items() if k != "flow_log_id"}
    assert len(diff_view([one, one])["flow_logs"]) == 2
    assert diff_view([]) == {}
