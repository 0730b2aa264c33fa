"""Check mode tells the truth, edit by edit: the compute tier (ecs_service) and the scheduler (ecs_scheduler).

One converged dev environment (with the scheduler), then single-input edits, each relative to the state
the previous one left: ``--check --diff`` through the recording proxy, then the real run. For every
edit, check mode made no mutating AWS call, and the tasks it reported changed are exactly the tasks the
real run changed, which are the tasks that input owns. To keep it fast each edit runs only its role's
tier (``--tags compute`` or ``--tags scheduler``), given the facts the tiers below it published during
the converge (as extra vars), as a later run of those tiers would publish them again. The lower tiers'
edits: test_check_mode_edits_lower_tiers.py.
"""

import pytest

from conftest import check_then_apply
from conftest import landing_zone
from conftest import published_facts

pytestmark = pytest.mark.integration

CRON = "0 2 * * *"
COMPUTE = ["--tags", "compute"]
SCHEDULER = ["--tags", "scheduler"]

TARGET_GROUP_TASK = "Ensure the target group checks /v1/health on the application port"
LOG_GROUP_TASK = "Ensure the application's log group and its retention"
SCALING_TASK = "Ensure the service scales between its minimum and maximum on average CPU"
HTTPS_TASK = "Ensure the HTTPS listener terminates TLS with the certificate and forwards to the application"
TASKDEF_TASK = "Ensure the task definition runs the image with its configuration and secrets"
SERVICE_TASK = "Ensure the Fargate service runs in the private subnets behind the target group"
SCHEDULER_TASKDEF_TASK = "Ensure the scheduler's task definition runs the application's image with the cron and the secrets"
SCHEDULER_SERVICE_TASK = "Ensure the scheduler's service runs exactly one task in the private subnets, without a load balancer"
SCHEDULER_LOG_TASK = "Ensure the scheduler's log group and its retention"

# (name, role whose input it is, the input, tags to run, the tasks it changes), applied in this order.
EDITS = [
    ("health_check_path", "ecs_service", {"service_health_check_path": "/v1/ready"}, COMPUTE, [TARGET_GROUP_TASK]),
    ("log_retention", "ecs_service", {"service_log_retention_days": 14}, COMPUTE, [LOG_GROUP_TASK]),
    ("min_capacity", "ecs_service", {"service_min_capacity": 1}, COMPUTE, [SCALING_TASK]),
    ("ssl_policy", "ecs_service", {"alb_ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"}, COMPUTE, [HTTPS_TASK]),
    ("cors_origin", "ecs_service", {"app_cors_allowed_origin": "https://app.example.com"}, COMPUTE,
     [TASKDEF_TASK, SERVICE_TASK]),
    ("scheduler_memory", "ecs_scheduler", {"scheduler_task_memory_mb": 1024}, SCHEDULER,
     [SCHEDULER_TASKDEF_TASK, SCHEDULER_SERVICE_TASK]),
    ("scheduler_cron", "ecs_scheduler", {"schedule_task_cleanup_cron": "30 3 * * *"}, SCHEDULER,
     [SCHEDULER_TASKDEF_TASK, SCHEDULER_SERVICE_TASK]),
    ("scheduler_log_retention", "ecs_scheduler", {"scheduler_log_retention_days": 30}, SCHEDULER, [SCHEDULER_LOG_TASK]),
]


@pytest.fixture(scope="module")
def edits(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    inputs = [lz, {"schedule_task_cleanup_cron": CRON}]
    converge = ansible_recorded.playbook("site.yml", extra_vars=inputs)
    assert converge.rc == 0, converge
    inputs.append(published_facts(converge, "network", "database", "ecr", "compute"))
    applied = {}
    for name, _, edit, tags, _ in EDITS:
        inputs.append(edit)
        applied[name] = check_then_apply(ansible_recorded, recorded, inputs, args=tags)
    return applied


@pytest.mark.parametrize(("name", "expected"), [(name, expected) for name, _, _, _, expected in EDITS])
def test_check_mode_reports_exactly_the_tasks_the_real_run_changes(edits, name, expected):
    edit = edits[name]
    assert edit.check.rc == 0, edit.check
    assert edit.real.rc == 0, edit.real
    assert edit.check.changed_tasks() == edit.real.changed_tasks()
    assert edit.real.changed_tasks() == expected


@pytest.mark.parametrize("name", [name for name, _, _, _, _ in EDITS])
def test_check_mode_makes_no_mutating_call_for_the_edit(edits, name):
    assert [(call.service, call.action) for call in edits[name].check_writes] == []


def test_the_edits_landed(ansible, edits):
    elb, logs, ecs = ansible.client("elbv2"), ansible.client("logs"), ansible.client("ecs")
    (group,) = elb.describe_target_groups(Names=["nestjs-playground-dev-tg"])["TargetGroups"]
    assert group["HealthCheckPath"] == "/v1/ready"
    retention = {g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]}
    assert retention == {"/ecs/nestjs-playground-dev": 14, "/ecs/nestjs-playground-scheduler-dev": 30}
    scheduler = ecs.describe_services(cluster="nestjs-playground-dev", services=["nestjs-playground-scheduler-dev"])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=scheduler["taskDefinition"])["taskDefinition"]
    assert definition["memory"] == "1024"
    environment = {e["name"]: e["value"] for e in definition["containerDefinitions"][0]["environment"]}
    assert environment["SCHEDULE_TASK_CLEANUP_CRON"] == "30 3 * * *"
