"""The fact `deployment` (the config role, templates/deployment.json.j2): every resource name and ARN of the
environment, derived once from the inputs and the identity of the credentials in use, and each tier's state.
Each run applies the configuration contract (show_configuration.yml: no AWS call) and shows the fact as the
roles read it; the ARNs follow the fact network's account and partition (the network lookup reads them from
GetCallerIdentity, and derives the fact again), given here."""

import pytest

from conftest import DEV_HOST

pytestmark = pytest.mark.integration

PLAYBOOK = "tests/integration/playbooks/show_configuration.yml"
COMMERCIAL = {"account_id": "123456789012", "partition": "aws"}
GOV = {"account_id": "111122223333", "partition": "aws-us-gov"}
CHINA = {"account_id": "111122223333", "partition": "aws-cn"}


@pytest.fixture(scope="module")
def facts(ansible):
    def deployment(*extra, inventory="inventories/dev", env=None):
        run = ansible.playbook(PLAYBOOK, inventory, extra_vars=[{"show": ["deployment"]}, *extra], env=env)
        assert run.rc == 0, run
        host = DEV_HOST.replace("-dev", "-prd") if inventory.endswith("prd") else DEV_HOST
        return run.result("Show the effective values", host)["msg"]["deployment"]

    return {
        "dev": deployment(),
        "dev_with_network": deployment({"network": COMMERCIAL}),
        "named": deployment({"ecs_cluster_name": "shared-cluster", "database_cluster_identifier": "legacy-db",
                             "alb_name": "", "schedule_task_cleanup_cron": "0 2 * * *"}),
        "gov": deployment({"network": GOV, "aws_region": "us-gov-west-1"}),
        "china": deployment({"network": CHINA, "aws_region": "cn-north-1"}),
        "prd_no_scheduler_wait": deployment({"scheduler_wait": False}, inventory="inventories/prd"),
        "dev_cdk_service_wait": deployment(env={"CDK_SERVICE_WAIT": "true"}),
    }


def test_every_name_is_the_specifications_by_default(facts):
    names = facts["dev"]["names"]
    assert names["database_cluster_identifier"] == "nestjs-playground-dev"
    assert names["database_writer_instance_identifier"] == "nestjs-playground-dev-writer"
    assert names["database_credentials_secret_name"] == "nestjs-playground-dev-db-credentials"
    assert names["ecr_repository_name"] == "nestjs-playground"
    assert names["ecs_log_group_name"] == "/ecs/nestjs-playground-dev"
    assert names["scheduler_service_name"] == "nestjs-playground-scheduler-dev"
    assert names["scheduler_log_group_name"] == "/ecs/nestjs-playground-scheduler-dev"
    assert names["alb_name"] == "nestjs-playground-dev-alb" and names["alb_target_group_name"] == "nestjs-playground-dev-tg"
    assert names["alarms"]["db-cpu-high"] == "nestjs-playground-dev-db-cpu-high" and len(names["alarms"]) == 13
    assert names["metrics_namespace"] == "nestjs-playground/dev"


def test_a_name_set_by_hand_wins_and_what_derives_from_it_follows(facts):
    names = facts["named"]["names"]
    assert names["ecs_cluster_name"] == "shared-cluster"
    assert names["database_cluster_identifier"] == "legacy-db"
    assert names["database_writer_instance_identifier"] == "legacy-db-writer"
    assert names["alb_name"] == "nestjs-playground-dev-alb"   # empty: the specification's name
    assert names["ecs_service_name"] == "nestjs-playground-dev"


def test_the_tiers_states_and_the_scheduler_follows_the_cron(facts):
    assert facts["dev"]["tiers"] == {"database": "present", "ecr": "present", "compute": "present", "scheduler": "absent"}
    assert facts["named"]["tiers"]["scheduler"] == "present"   # the dev inventory sets no cron; this run does


def test_the_arns_are_built_from_the_callers_account_and_partition(facts):
    assert facts["dev"]["arns"] == {} and facts["dev"]["account_id"] is None   # before the network lookup
    dev = facts["dev_with_network"]
    assert dev["partition"] == "aws" and dev["account_id"] == "123456789012"
    assert dev["arns"]["ecs_execution_role"] == "arn:aws:iam::123456789012:role/nestjs-playground-dev-execution"
    assert dev["arns"]["jwt_parameter"] == "arn:aws:ssm:us-east-1:123456789012:parameter/nestjs-playground/jwt-secret"
    assert dev["arns"]["ecr_repository_uri"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground"
    gov = facts["gov"]["arns"]
    assert gov["ecs_task_role"] == "arn:aws-us-gov:iam::111122223333:role/nestjs-playground-dev-task"
    assert gov["scheduler_log_group"] == "arn:aws-us-gov:logs:us-gov-west-1:111122223333:log-group:/ecs/nestjs-playground-scheduler-dev"
    assert gov["load_balancer_placeholder"] == (
        "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:111122223333:loadbalancer/app/nestjs-playground-dev-alb/pending")
    china = facts["china"]["arns"]
    assert china["ecr_repository_uri"] == "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/nestjs-playground"
    assert china["database_credentials_secret"].startswith("arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:")


def test_the_services_wait_in_production_unless_told_otherwise(facts):
    """deployment.waits: service_wait and scheduler_wait as set (inventory, -e, CDK_*), else production's."""
    assert facts["dev"]["waits"] == {"compute": False, "scheduler": False}
    assert facts["prd_no_scheduler_wait"]["waits"] == {"compute": True, "scheduler": False}   # production's, and -e
    assert facts["dev_cdk_service_wait"]["waits"] == {"compute": True, "scheduler": False}
