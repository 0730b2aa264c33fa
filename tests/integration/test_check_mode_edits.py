"""Check mode tells the truth, edit by edit: one input per role and per kind of change, from inventory to module.

One converged dev environment (with the scheduler), then single-input edits, each relative to the state
the previous one left: ``--check --diff`` through the recording proxy, then the real run. For every
edit, check mode made no mutating AWS call, and the tasks it reported changed are exactly the tasks the
real run changed, which are the tasks that input owns. Each edit runs the tiers it concerns (site.yml
``--tags``), given the facts the converge published for the tiers it reads but does not run.

This proves the wiring: an inventory value reaches the module that owns it, and only that module's task
changes. What each module decides for every option, in both directions, is in the unit tests of its
``plan()`` (tests/unit/plugins/modules/test_<module>.py); the table below names, for each edit this file
used to make, the unit test that now holds it. The input of network_lookup (which writes nothing) is the JWT
parameter's name, which the compute and scheduler tiers' policies and task definitions refer to.
"""

import json
import os

import pytest

from conftest import ROOT
from conftest import check_then_apply
from conftest import converged
from conftest import published_facts

pytestmark = pytest.mark.integration

CRON = "0 2 * * *"
ROTATED_JWT = "/nestjs-playground/jwt-secret-rotated"
# The tiers each edit runs, and the facts it is given for the tiers it needs but does not run.
DATABASE = (["--tags", "network,database"], ())
ECR = (["--tags", "ecr"], ())
COMPUTE = (["--tags", "compute"], ("network", "database", "ecr"))
SCHEDULER = (["--tags", "scheduler"], ("network", "database", "ecr", "compute"))
POLICIES = (["--tags", "network,compute,scheduler"], ("database", "ecr"))
DATABASE_ACCESS = (["--tags", "network,database,scheduler"], ("ecr", "compute"))

CLUSTER_TASK = "Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster"
DB_SG_TASK = "Ensure the database security group admits PostgreSQL from the application and scheduler groups only"
ECR_TASK = "Ensure the ECR repository scans on push, keeps its tags mutable and expires untagged images"
EXECUTION_ROLE_TASK = "Ensure the task execution role may pull the image, write the logs and read exactly the task's secrets"
TASK_ROLE_TASK = (
    "Ensure the task role may read exactly the task's secrets, put metrics in its own namespace and, with xray_enabled, send traces"
)
TASKDEF_TASK = "Ensure the task definition runs the image with its configuration and secrets"
SERVICE_TASK = "Ensure the Fargate service runs in the private subnets behind the target group"
SCHEDULER_EXECUTION_ROLE_TASK = "Ensure the scheduler's execution role may pull the image, write its logs and read exactly its secrets"
SCHEDULER_TASK_ROLE_TASK = "Ensure the scheduler's task role may read its secrets (and open ECS Exec sessions outside prd)"
SCHEDULER_TASKDEF_TASK = "Ensure the scheduler's task definition runs the application's image with the cron and the secrets"
SCHEDULER_SERVICE_TASK = "Ensure the scheduler's service runs exactly one task in the private subnets, without a load balancer"
OUTPUTS_TASK = "Write the outputs file, keyed by the CDK app's export names"
SCHEDULER_GONE_TASKS = [
    "Ensure the scheduler's service is drained and deleted",
    "Ensure no revision of the scheduler's task definition is active",
    "Ensure the scheduler's roles are deleted",
    "Ensure the scheduler's security group is deleted",
    "Ensure the scheduler's log group is deleted outside production (production keeps its logs)",
]

# (name, role whose input it is, the input, tags to run and facts given, the tasks it changes), in this order:
# a value of each role, then the removal of a tier (the scheduler's, last: it needs the scheduler there).
EDITS = [
    ("backup_retention", "aurora", {"database_backup_retention_days": 3}, DATABASE, [CLUSTER_TASK]),
    ("image_expiry", "ecr", {"ecr_untagged_image_expiry_days": 7}, ECR, [ECR_TASK]),
    ("cors_origin", "ecs_service", {"app_cors_allowed_origin": "https://app.example.com"}, COMPUTE,
     [TASKDEF_TASK, SERVICE_TASK]),
    ("scheduler_memory", "ecs_scheduler", {"scheduler_task_memory_mb": 1024}, SCHEDULER,
     [SCHEDULER_TASKDEF_TASK, SCHEDULER_SERVICE_TASK]),
    ("jwt_parameter", "network_lookup", {"jwt_secret_parameter_name": ROTATED_JWT}, POLICIES,
     [EXECUTION_ROLE_TASK, TASK_ROLE_TASK, TASKDEF_TASK, SERVICE_TASK,
      SCHEDULER_EXECUTION_ROLE_TASK, SCHEDULER_TASK_ROLE_TASK, SCHEDULER_TASKDEF_TASK, SCHEDULER_SERVICE_TASK]),
    ("scheduler_off", "ecs_scheduler", {"schedule_task_cleanup_cron": ""}, DATABASE_ACCESS,
     [DB_SG_TASK, *SCHEDULER_GONE_TASKS, OUTPUTS_TASK]),
]

# The edits this matrix made until it kept one per role and kind, and the unit test of the module's decision
# (tests/unit/plugins/modules/) that proves each, both directions, without a playbook run.
UNIT_TESTS = os.path.join(ROOT, "tests", "unit", "plugins", "modules")
MOVED_TO_UNIT_TESTS = {
    "service_health_check_path": "test_alb_target_group.py::test_plan_modifies_only_the_health_check_fields_that_differ",
    "service_log_retention_days": "test_log_group.py::test_another_retention_is_put_and_shown_in_the_diff",
    "service_min_capacity": "test_ecs_service_scaling.py::test_plan_only_registers_when_only_the_capacity_differs",
    "alb_ssl_policy": "test_alb_listener.py::test_plan_a_different_policy_modifies_only_the_policy",
    "schedule_task_cleanup_cron (changed)": "test_ecs_task_definition.py::test_an_environment_variable_value_change_alone_registers_a_new_revision",
    "scheduler_log_retention_days": "test_log_group.py::test_another_retention_is_put_and_shown_in_the_diff",
    "database_min_capacity": "test_aurora_cluster.py::test_plan_update_changes_scaling_when_pausing_is_turned_off",
    "ecr_scan_on_push": "test_ecr_repository.py::test_plan_changes_only_scan_on_push_when_only_it_differs",
}


@pytest.fixture(scope="module")
def edits(ansible, ansible_recorded, recorded, tmp_path_factory):
    # The dev converge with the scheduler, restored when another module of this run made it (conftest.converged:
    # test_deploy.py, test_rollback.py and test_ecs_scheduler_role.py converge the same).
    lz, converge = converged(ansible, tmp_path_factory.mktemp("landing-zone"), [{"schedule_task_cleanup_cron": CRON}])
    ansible.client("ssm").put_parameter(Name=ROTATED_JWT, Type="SecureString", Value="rotated-jwt-secret-value")
    inputs = [lz, {"schedule_task_cleanup_cron": CRON}]
    applied = {}
    for name, _, edit, (tags, given), _ in EDITS:
        inputs.append(edit)
        facts = [published_facts(converge, *given)] if given else []
        applied[name] = check_then_apply(ansible_recorded, recorded, inputs + facts, args=tags)
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


def test_the_cluster_and_repository_edits_landed(ansible, edits):
    (cluster,) = ansible.client("rds").describe_db_clusters(DBClusterIdentifier="nestjs-playground-dev")["DBClusters"]
    assert cluster["BackupRetentionPeriod"] == 3
    policy = json.loads(ansible.client("ecr").get_lifecycle_policy(repositoryName="nestjs-playground")["lifecyclePolicyText"])
    assert [rule["selection"]["countNumber"] for rule in policy["rules"]] == [7]


def test_the_application_edits_landed(ansible, edits):
    ecs = ansible.client("ecs")
    service = ecs.describe_services(cluster="nestjs-playground-dev", services=["nestjs-playground-dev"])["services"][0]
    (container,) = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]["containerDefinitions"]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["CORS_ALLOWED_ORIGIN"] == "https://app.example.com"
    jwt = [s["valueFrom"] for s in container["secrets"] if s["name"] == "JWT_SECRET"]
    assert jwt == [f"arn:aws:ssm:us-east-1:123456789012:parameter{ROTATED_JWT}"]


def test_the_jwt_parameter_edit_points_the_application_at_the_new_parameter(edits):
    diff = edits["jwt_parameter"].check.result(TASKDEF_TASK)["diff"]
    assert "jwt-secret-rotated" in str(diff["after"]) and "jwt-secret-rotated" not in str(diff["before"])


def test_the_scheduler_memory_edit_landed(ansible, edits):
    """The revision the real run registered (the scheduler's removal, last, deregisters it after)."""
    arn = edits["scheduler_memory"].real.result(SCHEDULER_TASKDEF_TASK)["task_definition"]["task_definition_arn"]
    assert ansible.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]["memory"] == "1024"


@pytest.mark.parametrize("edit", sorted(MOVED_TO_UNIT_TESTS))
def test_each_edit_moved_out_names_a_unit_test_that_exists(edit):
    path, _, name = MOVED_TO_UNIT_TESTS[edit].partition("::")
    with open(os.path.join(UNIT_TESTS, path), encoding="utf-8") as handle:
        assert f"def {name}(" in handle.read(), (edit, MOVED_TO_UNIT_TESTS[edit])
