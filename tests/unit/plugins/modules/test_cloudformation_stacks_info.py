import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stacks_info import identity
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stacks_info import imported_elsewhere
from ansible_collections.nestjs_playground.infra.plugins.modules.cloudformation_stacks_info import name_from

LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nestj-LoadB-1A2B/50dc6c495c0c9188"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nestj-Targe-3C4D/73e2d6bc24d8a067"
NAMES = {"ecs_cluster_name": "app-dev", "ecs_service_name": "app-dev", "ecs_task_family": "app-dev", "alb_name": "app-dev-alb",
         "alb_target_group_name": "app-dev-tg", "ecr_repository_name": "app", "scheduler_service_name": "app-scheduler-dev",
         "database_cluster_identifier": "app-dev", "database_writer_instance_identifier": "app-dev-writer",
         "database_subnet_group_name": "app-dev-db", "database_credentials_secret_name": "app-dev-db-credentials",
         "database_reader_instance_identifier": "app-dev-reader"}


def resource(kind, physical, logical="R"):
    return {"type": kind, "logical_id": logical, "physical_id": physical}


@pytest.mark.parametrize(("physical", "how", "name"), [
    ("arn:aws:ecs:us-east-1:123456789012:service/app-dev/app-dev", "last", "app-dev"),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/app-dev:7", "family", "app-dev"),
    (LB, "load_balancer", "nestj-LoadB-1A2B"),
    (TG, "target_group", "nestj-Targe-3C4D"),
    ("/ecs/app-dev", "name", "/ecs/app-dev"),
])
def test_name_from_reads_the_name_out_of_each_physical_id(physical, how, name):
    assert name_from(physical, how) == name


def test_the_identity_holds_only_the_names_that_differ_from_the_collections():
    stacks = [
        {"type": "compute", "resources": [resource("AWS::ECS::Cluster", "app-dev"), resource("AWS::ElasticLoadBalancingV2::LoadBalancer", LB),
                                          resource("AWS::ElasticLoadBalancingV2::TargetGroup", TG),
                                          resource("AWS::ECS::Service", "arn:aws:ecs:us-east-1:123456789012:service/app-dev/app-dev"),
                                          resource("AWS::EC2::SecurityGroupIngress", "")]},
        {"type": "ecr", "resources": [resource("AWS::ECR::Repository", "app")]},
    ]
    cluster = {"identifier": "app-dev-database-databasecluster-abc", "writer": "app-dev-database-writer-def", "subnet_group": "app-dev-subnets"}
    assert identity(stacks, NAMES, cluster, "DatabaseSecret-xyz") == {
        "alb_name": "nestj-LoadB-1A2B", "alb_target_group_name": "nestj-Targe-3C4D",
        "database_cluster_identifier": "app-dev-database-databasecluster-abc", "database_credentials_secret_name": "DatabaseSecret-xyz",
        "database_subnet_group_name": "app-dev-subnets", "database_writer_instance_identifier": "app-dev-database-writer-def",
    }


def test_the_identity_is_empty_when_every_name_is_the_collections():
    stacks = [{"type": "compute", "resources": [resource("AWS::ECS::Cluster", "app-dev")]}]
    assert identity(stacks, NAMES, {}, None) == {}


def test_a_resource_of_the_scheduler_stack_names_the_scheduler_variable():
    stacks = [{"type": "scheduled-task", "resources": [resource("AWS::ECS::Service", "arn:aws:ecs:us-east-1:1:service/app-dev/jobs")]}]
    assert identity(stacks, NAMES, {}, None) == {"scheduler_service_name": "jobs"}


def test_exports_imported_only_by_the_stacks_taken_over_are_not_in_the_way():
    exports = [{"name": "app-dev-ecs-cluster", "importers": ["app-dev-scheduled-task"]},
               {"name": "app-dev-vpc-id", "importers": ["app-dev-scheduled-task", "billing-dev"]},
               {"name": "app-dev-alb-dns", "importers": []}]
    assert imported_elsewhere(exports, {"app-dev-compute", "app-dev-scheduled-task"}) == [
        {"name": "app-dev-vpc-id", "importers": ["billing-dev"]}]


def test_the_groups_the_cluster_and_the_load_balancer_hold_are_kept_beside_the_collections():
    cluster = {"identifier": "app-dev", "writer": "app-dev-writer", "subnet_group": "app-dev-db", "security_groups": ["sg-2", "sg-1"]}
    assert identity([], NAMES, cluster, None, ["sg-9"]) == {
        "database_extra_security_group_ids": ["sg-1", "sg-2"], "alb_extra_security_group_ids": ["sg-9"]}


def test_no_groups_no_extra_groups():
    assert identity([], NAMES, {"identifier": "app-dev", "subnet_group": "app-dev-db", "security_groups": []}, None, []) == {}


def test_the_one_reader_of_the_cdk_cluster_is_adopted_and_more_than_one_is_not_guessed():
    one = {"identifier": "app-dev", "writer": "app-dev-writer", "readers": ["app-dev-database-reader-abc"], "subnet_group": "app-dev-db"}
    assert identity([], NAMES, one, None) == {"database_reader_instance_identifier": "app-dev-database-reader-abc"}
    two = dict(one, readers=["r1", "r2"])
    assert identity([], NAMES, two, None) == {}
