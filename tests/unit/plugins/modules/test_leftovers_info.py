"""What leftovers_info counts as left, from AWS's answers: services by status, exact names, flow logs by
resource and log group; and how it batches the service reads."""

from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import log_group_named
from ansible_collections.nestjs_playground.infra.plugins.module_utils.flow_logs import delivers_to
from ansible_collections.nestjs_playground.infra.plugins.modules.leftovers_info import anything_found
from ansible_collections.nestjs_playground.infra.plugins.modules.leftovers_info import flow_logs_left
from ansible_collections.nestjs_playground.infra.plugins.modules.leftovers_info import security_groups_left
from ansible_collections.nestjs_playground.infra.plugins.modules.leftovers_info import services_by_cluster
from ansible_collections.nestjs_playground.infra.plugins.modules.leftovers_info import services_left
from ansible_collections.nestjs_playground.infra.plugins.modules.leftovers_info import unique

VPC = "vpc-0123456789abcdef0"
GROUP = "/vpc/app-dev/flow-logs"


def service(name, status):
    return {"serviceName": name, "status": status, "serviceArn": f"arn:aws:ecs:us-east-1:1:service/app-dev/{name}"}


def test_a_service_is_left_while_active_or_draining_and_not_once_inactive_or_missing():
    asked = [{"cluster": "app-dev", "name": name} for name in ("active", "draining", "inactive", "missing")]
    described = {"app-dev": [service("active", "ACTIVE"), service("draining", "DRAINING"), service("inactive", "INACTIVE")]}
    assert services_left(asked, described) == asked[:2]


def test_a_service_of_a_cluster_that_does_not_exist_is_not_left():
    assert services_left([{"cluster": "gone", "name": "app"}], {"gone": []}) == []


def test_a_service_is_matched_in_its_own_cluster_only():
    asked = [{"cluster": "a", "name": "app"}, {"cluster": "b", "name": "app"}]
    assert services_left(asked, {"a": [], "b": [service("app", "ACTIVE")]}) == [asked[1]]


def test_services_are_described_once_per_cluster_ten_at_a_time_in_the_order_given():
    asked = [{"cluster": "a", "name": f"s{i}"} for i in range(12)] + [{"cluster": "b", "name": "x"}, {"cluster": "a", "name": "s0"}]
    assert services_by_cluster(asked) == [("a", [f"s{i}" for i in range(10)]), ("a", ["s10", "s11"]), ("b", ["x"])]
    assert services_by_cluster([]) == []


def test_a_log_group_is_left_only_under_its_exact_name_not_as_a_prefix():
    groups = [{"logGroupName": "/ecs/app-dev-scheduler"}, {"logGroupName": "/ecs/app-dev-2"}]
    assert not log_group_named(groups, "/ecs/app-dev")
    assert log_group_named(groups + [{"logGroupName": "/ecs/app-dev"}], "/ecs/app-dev")
    assert not log_group_named([], "/ecs/app-dev")


def test_security_groups_are_left_by_name_in_the_asked_vpc_only():
    groups = [{"GroupName": "app-dev-scheduler", "VpcId": VPC, "GroupId": "sg-1"},
              {"GroupName": "app-dev-db", "VpcId": "vpc-other", "GroupId": "sg-2"}]
    asked = {"vpc_id": VPC, "names": ["app-dev-db", "app-dev-scheduler", "app-dev-scheduler"]}
    assert security_groups_left(asked, groups) == {"vpc_id": VPC, "names": ["app-dev-scheduler"]}
    assert security_groups_left(asked, []) == {"vpc_id": VPC, "names": []}


def test_a_flow_log_is_left_for_its_resource_and_cloudwatch_log_group_only():
    into_group = {"FlowLogId": "fl-1", "ResourceId": VPC, "LogDestinationType": "cloud-watch-logs", "LogGroupName": GROUP}
    to_s3 = {"FlowLogId": "fl-2", "ResourceId": "vpc-s3", "LogDestinationType": "s3", "LogGroupName": GROUP}
    asked = [{"resource_id": VPC, "log_group_name": GROUP},
             {"resource_id": VPC, "log_group_name": "/vpc/someone-else"},
             {"resource_id": "vpc-s3", "log_group_name": GROUP},
             {"resource_id": "vpc-none", "log_group_name": GROUP}]
    assert flow_logs_left(asked, [into_group, to_s3]) == asked[:1]
    assert flow_logs_left(asked, []) == []


def test_a_flow_log_without_destination_type_delivers_to_cloudwatch_logs():
    assert delivers_to({"ResourceId": VPC, "LogGroupName": GROUP}, VPC, GROUP)
    assert not delivers_to({"ResourceId": VPC, "LogGroupName": GROUP}, "vpc-other", GROUP)


def test_found_is_true_when_any_kind_names_a_resource():
    nothing = {"ecs_services": [], "task_definition_families": [], "iam_roles": [], "log_groups": [], "flow_logs": [],
               "security_groups": {"vpc_id": VPC, "names": []}}
    assert anything_found(nothing) is False
    assert anything_found({}) is False
    for kind, value in (("iam_roles", ["r"]), ("security_groups", {"vpc_id": VPC, "names": ["sg"]}),
                        ("ecs_services", [{"cluster": "c", "name": "s"}]), ("flow_logs", [{"resource_id": VPC, "log_group_name": GROUP}])):
        assert anything_found(dict(nothing, **{kind: value})) is True, kind


def test_each_asked_resource_is_read_and_returned_once_in_the_order_given():
    assert unique(["b", "a", "b"]) == ["b", "a"]
    assert unique([{"cluster": "c", "name": "s"}, {"name": "s", "cluster": "c"}]) == [{"cluster": "c", "name": "s"}]
