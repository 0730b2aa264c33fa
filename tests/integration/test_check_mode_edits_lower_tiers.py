"""Check mode tells the truth, edit by edit: network_lookup, aurora, ecr and the scheduler's removal.

One converged dev environment (with the scheduler), then single-input edits, each relative to the state
the previous one left: ``--check --diff`` through the recording proxy, then the real run. For every
edit, check mode made no mutating AWS call, and the tasks it reported changed are exactly the tasks the
real run changed, which are the tasks that input owns. Each edit runs the tiers it concerns (site.yml
``--tags``), given the facts the converge published for the other tiers it reads. The input of
network_lookup (which writes nothing) is the JWT parameter's name, which the compute and scheduler
tiers' policies and task definitions refer to. The compute tiers' edits:
test_check_mode_edits_compute_tiers.py.
"""

import pytest

from conftest import check_then_apply
from conftest import landing_zone
from conftest import published_facts

pytestmark = pytest.mark.integration

CRON = "0 2 * * *"
ROTATED_JWT = "/nestjs-playground/jwt-secret-rotated"
# The tiers each edit runs, and the facts it is given for the tiers it needs but does not run.
DATABASE = (["--tags", "network,database"], ())
ECR = (["--tags", "ecr"], ())
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

# (name, role whose input it is, the input, tags to run, the tasks it changes), applied in this order.
EDITS = [
    ("backup_retention", "aurora", {"database_backup_retention_days": 3}, DATABASE, [CLUSTER_TASK]),
    ("scale_to_zero", "aurora", {"database_min_capacity": 0}, DATABASE, [CLUSTER_TASK]),
    ("image_expiry", "ecr", {"ecr_untagged_image_expiry_days": 7}, ECR, [ECR_TASK]),
    ("scan_on_push", "ecr", {"ecr_scan_on_push": False}, ECR, [ECR_TASK]),
    ("jwt_parameter", "network_lookup", {"jwt_secret_parameter_name": ROTATED_JWT}, POLICIES,
     [EXECUTION_ROLE_TASK, TASK_ROLE_TASK, TASKDEF_TASK, SERVICE_TASK,
      SCHEDULER_EXECUTION_ROLE_TASK, SCHEDULER_TASK_ROLE_TASK, SCHEDULER_TASKDEF_TASK, SCHEDULER_SERVICE_TASK]),
    ("scheduler_off", "ecs_scheduler", {"schedule_task_cleanup_cron": ""}, DATABASE_ACCESS,
     [DB_SG_TASK, *SCHEDULER_GONE_TASKS, OUTPUTS_TASK]),
]


@pytest.fixture(scope="module")
def edits(ansible, ansible_recorded, recorded, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    ansible.client("ssm").put_parameter(Name=ROTATED_JWT, Type="SecureString", Value="rotated-jwt-secret-value")
    inputs = [lz, {"schedule_task_cleanup_cron": CRON}]
    converge = ansible_recorded.playbook("site.yml", extra_vars=inputs)
    assert converge.rc == 0, converge
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
    assert cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0
    (repository,) = ansible.client("ecr").describe_repositories(repositoryNames=["nestjs-playground"])["repositories"]
    assert repository["imageScanningConfiguration"] == {"scanOnPush": False}


def test_the_jwt_parameter_edit_points_the_application_at_the_new_parameter(ansible, edits):
    diff = edits["jwt_parameter"].check.result(TASKDEF_TASK)["diff"]
    assert "jwt-secret-rotated" in str(diff["after"]) and "jwt-secret-rotated" not in str(diff["before"])
    ecs = ansible.client("ecs")
    service = ecs.describe_services(cluster="nestjs-playground-dev", services=["nestjs-playground-dev"])["services"][0]
    (container,) = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]["containerDefinitions"]
    jwt = [s["valueFrom"] for s in container["secrets"] if s["name"] == "JWT_SECRET"]
    assert jwt == [f"arn:aws:ssm:us-east-1:123456789012:parameter{ROTATED_JWT}"]
