"""The tier facts deployment_info builds from AWS's answers: the same keys the roles publish."""

import os

import yaml


from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_info import compute_fact
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_info import database_fact
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_info import ecr_fact
from ansible_collections.nestjs_playground.infra.plugins.modules.deployment_info import scheduler_fact

CLUSTER = {
    "Endpoint": "app-dev.cluster-x.us-east-1.rds.amazonaws.com",
    "ReaderEndpoint": "app-dev.cluster-ro-x.us-east-1.rds.amazonaws.com",
    "Port": 5432,
    "DatabaseName": "nestjs_playground",
    "MasterUsername": "postgres",
    "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 1.0},
}
SECRET = {"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-dev-db-credentials-AbCdEf"}
READER_SECRET = {"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-dev-db-read-replica-GhIjKl"}
NAMES = {"cluster": "app-dev", "service": "app-dev", "load_balancer_name": "app-dev-alb", "app_url": "https://api.example.com"}
SERVICE = {
    "status": "ACTIVE",
    "desiredCount": 2,
    "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app-dev:3",
    "networkConfiguration": {"awsvpcConfiguration": {"securityGroups": ["sg-app"], "subnets": ["subnet-a"]}},
    "loadBalancers": [{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/app-dev-tg/73e2d6bc24d8a067",
                       "containerName": "app", "containerPort": 3000}],
}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
LOAD_BALANCER = {"DNSName": "app-dev-alb-1.us-east-1.elb.amazonaws.com",
                 "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/app-dev-alb/50dc6c495c0c9188"}
TASK_DEFINITION = {
    "executionRoleArn": "arn:aws:iam::123456789012:role/app-dev-execution",
    "taskRoleArn": "arn:aws:iam::123456789012:role/app-dev-task",
    "containerDefinitions": [{"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app-dev"}}}],
}


def test_no_cluster_reads_as_no_database_tier():
    assert database_fact("app-dev", None, SECRET, None, "sg-db") is None


def test_the_database_fact_has_the_aurora_role_keys_and_the_reader_follows_its_secret():
    fact = database_fact("app-dev", CLUSTER, SECRET, READER_SECRET, "sg-db")
    assert fact == {
        "cluster_identifier": "app-dev", "endpoint": CLUSTER["Endpoint"], "reader_endpoint": CLUSTER["ReaderEndpoint"],
        "port": 5432, "name": "nestjs_playground", "username": "postgres", "secret_arn": SECRET["ARN"],
        "read_replica": True, "read_replica_secret_arn": READER_SECRET["ARN"], "security_group_id": "sg-db",
        "min_capacity": 0.5, "max_capacity": 1.0,
    }
    without_reader = database_fact("app-dev", CLUSTER, SECRET, None, "sg-db")
    assert (without_reader["read_replica"], without_reader["read_replica_secret_arn"]) == (False, None)


def test_the_ecr_fact_is_name_uri_and_arn():
    repository = {"repositoryName": "app", "repositoryUri": "1.dkr.ecr.us-east-1.amazonaws.com/app",
                  "repositoryArn": "arn:aws:ecr:us-east-1:1:repository/app", "registryId": "1"}
    assert ecr_fact(repository) == {"name": "app", "uri": repository["repositoryUri"], "arn": repository["repositoryArn"]}
    assert ecr_fact(None) is None


def test_the_compute_fact_reads_roles_and_log_group_from_the_running_task_definition():
    fact = compute_fact(NAMES, {"clusterArn": "arn:aws:ecs:us-east-1:1:cluster/app-dev"}, SERVICE, TASK_DEFINITION, LOAD_BALANCER,
                        {"TargetGroupArn": SERVICE["loadBalancers"][0]["targetGroupArn"], "HealthCheckPath": "/v1/health"})
    assert fact == {
        "cluster": "app-dev", "cluster_arn": "arn:aws:ecs:us-east-1:1:cluster/app-dev", "service": "app-dev",
        "task_definition_arn": SERVICE["taskDefinition"], "execution_role_arn": TASK_DEFINITION["executionRoleArn"],
        "task_role_arn": TASK_DEFINITION["taskRoleArn"], "log_group": "/ecs/app-dev",
        "alb_dns": "app-dev-alb-1.us-east-1.elb.amazonaws.com", "load_balancer_arn": LOAD_BALANCER["LoadBalancerArn"],
        "target_group_arn": SERVICE["loadBalancers"][0]["targetGroupArn"], "app_url": "https://api.example.com",
        "app_security_group_id": "sg-app", "desired_count": 2, "health_check_path": "/v1/health",
    }


def test_the_compute_fact_without_load_balancer_or_target_group_reads_them_as_none():
    fact = compute_fact(NAMES, {"clusterArn": "arn"}, dict(SERVICE, loadBalancers=[]), TASK_DEFINITION, None)
    assert (fact["load_balancer_arn"], fact["target_group_arn"], fact["alb_dns"], fact["health_check_path"]) == (None, None, None, None)


def test_an_inactive_or_missing_service_reads_as_no_compute_tier():
    cluster = {"clusterArn": "arn"}
    assert compute_fact(NAMES, cluster, dict(SERVICE, status="INACTIVE"), TASK_DEFINITION, None) is None
    assert compute_fact(NAMES, cluster, None, None, None) is None
    assert compute_fact(NAMES, None, SERVICE, TASK_DEFINITION, None) is None


def test_the_scheduler_is_enabled_while_its_service_is_active():
    names = {"cluster": "app-dev", "service": "app-scheduler-dev", "log_group": "/ecs/app-scheduler-dev"}
    assert scheduler_fact(names, SERVICE, True) == {
        "enabled": True, "service": "app-scheduler-dev", "task_definition_arn": SERVICE["taskDefinition"],
        "log_group": "/ecs/app-scheduler-dev", "security_group_id": "sg-app",
    }


def test_a_removed_scheduler_keeps_only_the_log_group_that_still_exists():
    names = {"cluster": "app-dev", "service": "app-scheduler-dev", "log_group": "/ecs/app-scheduler-prd"}
    kept = scheduler_fact(names, dict(SERVICE, status="INACTIVE"), True)
    assert kept == {"enabled": False, "service": None, "task_definition_arn": None,
                    "log_group": "/ecs/app-scheduler-prd", "security_group_id": None}
    assert scheduler_fact(names, None, False)["log_group"] is None


def _published_keys(role, fact):
    """The keys of the fact ``fact`` as the role's main entry point publishes it (its set_fact task)."""
    with open(os.path.join(ROOT, "roles", role, "tasks", "main.yml"), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    return next(set(task["ansible.builtin.set_fact"][fact]) for task in tasks
                if fact in (task.get("ansible.builtin.set_fact") or {}))


def test_the_facts_read_have_the_keys_the_roles_publish_after_converging():
    """A run that reads a tier (--tags, deploy, rollback, scale) gives the later roles the fact a converge gives."""
    assert set(database_fact("app-dev", CLUSTER, SECRET, None, "sg-db")) == _published_keys("aurora", "database")
    assert set(compute_fact(NAMES, {"clusterArn": "arn"}, SERVICE, TASK_DEFINITION, None)) == _published_keys("ecs_service", "compute")
