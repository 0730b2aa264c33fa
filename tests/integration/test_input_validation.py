"""Every input is checked before the first AWS call: site.yml's pre-flight (the config role's
tasks_from=preflight) rejects each bad input below with one message naming the variable, its value and
what is allowed, lists every problem at once, and the emulator serves not a single request meanwhile.

No landing zone is needed: the network ids only have to be well formed, since nothing may reach AWS. The
bad inputs are checked in one run: each is a deployment (a host of the inventory) of its own, which the
pre-flight checks alone, as it checks the one deployment of a user's inventory.
"""

import os

import pytest
import yaml

from conftest import DEV_HOST
from conftest import HostRun
from conftest import ROOT
from conftest import write_inventory
from resources import requests_served

pytestmark = pytest.mark.integration

PREFLIGHT = "Check every input before any AWS call"
BASE = {
    "environment_name": "dev",
    "vpc_id": "vpc-0123456789abcdef0",
    "hosted_zone_id": "Z1234567890ABC",
    "hosted_zone_name": "example.com",
    "domain_name": "nestjs-playground-api",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0b5c7a1e-2f4d-4b7e-9c1a-0d2e3f4a5b6c",
    "schedule_task_cleanup_cron": "0 2 * * *",
}
# case -> (inventory overrides, fragment of the message). At least one per role, 30 and more in all.
CASES = {
    # config
    "app_name with capitals": ({"app_name": "NestJS"}, "app_name 'NestJS' is not valid: it must be lower-case letters"),
    "app_name with two hyphens": ({"app_name": "nest--api"}, "app_name 'nest--api' is not valid: two hyphens in a row"),
    "environment_name with a dot": ({"environment_name": "dev.1"}, "environment_name 'dev.1' is not valid"),
    "a region that does not exist": ({"aws_region": "eu-central-9"}, "aws_region 'eu-central-9' is not valid: it must be an AWS region"),
    "an account id with letters": ({"aws_account_id": "12345678901x"}, "aws_account_id '12345678901x' is not valid: it must be the 12 digits"),
    "an image tag with a space": ({"app_version": "v 1"}, "app_version 'v 1' is not valid: it must be an image tag"),
    "a logging level not offered": ({"app_logging_level": "trace"}, "app_logging_level 'trace' is not valid: it must be one of fatal, error, warn"),
    "a tag value with a semicolon": ({"tag_ou": "a;b"}, "tag_ou 'a;b' is not valid: a tag value is up to 256"),
    "an environment named production without the production switch": (
        {"environment_name": "production"},
        "environment_name 'production' reads as a production environment (one of its hyphen-separated words is prd, prod, "
        "production or live, not after pre- or non-), but production is 'false': set production: true (CDK_PRODUCTION=true) "
        "to give it the production protections"),
    # network_lookup (shape; existence is checked read-only by imported_network_info)
    "the vpc_id placeholder": ({"vpc_id": "REPLACE_WITH_EXISTING_VPC_ID"}, "vpc_id 'REPLACE_WITH_EXISTING_VPC_ID' is not valid: it must be the id of the existing VPC"),
    "no certificate_arn": ({"certificate_arn": ""}, "certificate_arn is not set: set it in the inventory (group_vars) or with -e certificate_arn="),
    "a zone name without a dot": ({"hosted_zone_name": "localhost"}, "hosted_zone_name 'localhost' is not valid"),
    # aurora
    "a database minimum of 0.25 ACU": ({"database_min_capacity": 0.25}, "database_min_capacity '0.25' is not valid: it must be 0.5 to 16 in steps of 0.5, or 0 to pause when idle"),
    "a database maximum of 20 ACUs": ({"database_max_capacity": 20}, "database_max_capacity '20' is not valid: it must be 1 to 16 in steps of 0.5"),
    "a database minimum above its maximum": ({"database_min_capacity": 4, "database_max_capacity": 2}, "database_min_capacity '4' is above database_max_capacity '2': the minimum must not exceed the maximum"),
    "a read replica of maybe": ({"database_read_replica": "maybe"}, "database_read_replica 'maybe' is not valid: it must be true or false"),
    "a database name with a hyphen": ({"database_name": "nestjs-playground"}, "database_name 'nestjs-playground' is not valid: it must be a PostgreSQL identifier"),
    "backups kept 60 days": ({"database_backup_retention_days": 60}, "database_backup_retention_days '60' is not valid: it must be a number of days from 1 to 35"),
    "a database port of 80": ({"database_port": 80}, "database_port '80' is not valid: it must be a port Aurora accepts, from 1150 to 65535"),
    # ecr
    "untagged images kept 0 days": ({"ecr_untagged_image_expiry_days": 0}, "ecr_untagged_image_expiry_days '0' is not valid: it must be a whole number of days, at least 1"),
    "a tag mutability not offered": ({"ecr_image_tag_mutability": "mutable"}, "ecr_image_tag_mutability 'mutable' is not valid: it must be one of MUTABLE, IMMUTABLE"),
    # ecs_service
    "a Fargate memory that does not fit its CPU": ({"task_cpu_units": 1024, "task_memory_mb": 512}, "task_memory_mb '512' does not fit task_cpu_units 1024 on Fargate"),
    "a CPU size Fargate does not offer": ({"task_cpu_units": 768}, "task_cpu_units '768' is not a Fargate CPU size"),
    "task memory as text": ({"task_memory_mb": "1GB"}, "task_memory_mb '1GB' is not valid: it must be a whole number"),
    "a service minimum above its maximum": ({"service_min_capacity": 5, "service_max_capacity": 2}, "service_min_capacity '5' is above service_max_capacity '2'"),
    "a service maximum of 200": ({"service_max_capacity": 200}, "service_max_capacity '200' is not valid: it must be a whole number from 1 to 100"),
    "a desired count below 0": ({"service_desired_count": -1}, "service_desired_count '-1' is not valid: it must be a whole number from 0 to 100"),
    "a privileged application port": ({"app_port": 443}, "app_port '443' is not valid: it must be a port from 1024 to 65535"),
    "a JWT expiry of one week in words": ({"app_jwt_expires_in": "1 week"}, "app_jwt_expires_in '1 week' is not valid: it must be a number followed by s, m, h or d, like 30m, 1h or 7d"),
    "a CORS origin with a path": ({"app_cors_allowed_origin": "https://app.example.com/login"}, "app_cors_allowed_origin 'https://app.example.com/login' is not valid: it must be * or a comma-separated list of origins"),
    "an app_name too long for the load balancer's name": ({"app_name": "nestjs-playground-backend-api"}, "alb_name 'nestjs-playground-backend-api-dev-alb' is not valid: load balancer and target group names are 1 to 32"),
    "a log retention CloudWatch does not offer": ({"service_log_retention_days": 10}, "service_log_retention_days '10' is not valid: CloudWatch Logs keeps logs 1, 3, 5, 7"),
    # ecs_scheduler
    "a cron hour of 24": ({"schedule_task_cleanup_cron": "0 24 * * *"}, "schedule_task_cleanup_cron '0 24 * * *' is not a valid cron expression"),
    "a cron of 7 fields": ({"schedule_task_cleanup_cron": "0 0 2 * * * 2026"}, "it has 7 field(s)"),
    "a scheduler memory that does not fit": ({"scheduler_task_cpu_units": 512, "scheduler_task_memory_mb": 512}, "scheduler_task_memory_mb '512' does not fit scheduler_task_cpu_units 512 on Fargate"),
    # monitoring
    "an alarm address without an at sign": ({"monitoring_alarm_emails": ["oncall.example.com"]}, "monitoring_alarm_emails holds 'oncall.example.com', which is not valid: it must list e-mail addresses"),
    "a CPU alarm threshold of 150 %": ({"monitoring_cpu_threshold": 150}, "monitoring_cpu_threshold '150' is not valid: it must be a percentage above 0 and below 100"),
}
ALL_AT_ONCE = ["a database minimum of 0.25 ACU", "a privileged application port", "a cron hour of 24",
               "the vpc_id placeholder", "a region that does not exist", "untagged images kept 0 days"]


def case_host(index):
    return f"bad-input-{index:02d}"


@pytest.fixture(scope="module")
def runs(ansible, emulator, tmp_path_factory):
    """Each bad input is a deployment (a host) of its own, all in one inventory and one site.yml run: the
    pre-flight checks each host's inputs alone, as it would in an inventory of that one deployment, and the
    run as a whole must not send a single request."""
    results = {}

    def run(hosts, env=None):
        inventory = write_inventory(tmp_path_factory.mktemp("inventory"),
                                    hosts={host: dict(BASE, **overrides) for host, overrides in hosts.items()})
        before = requests_served(emulator)
        result = ansible.playbook("site.yml", inventory, env=env)
        return result, requests_served(emulator) - before

    valid, served = run({DEV_HOST: {}}, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})   # nothing listens: only the pre-flight may pass
    results["valid"] = (HostRun(valid, DEV_HOST), served)
    combined = {}
    for name in ALL_AT_ONCE:
        combined.update(CASES[name][0])
    cases = dict(((name, overrides) for name, (overrides, _) in CASES.items()), **{"all at once": combined})
    hosts = {name: case_host(index) for index, name in enumerate(cases)}
    batch, served = run({hosts[name]: overrides for name, overrides in cases.items()})
    assert set(batch.stats) == set(hosts.values()), batch   # every case's deployment ran
    for name, host in hosts.items():
        results[name] = (HostRun(batch, host), served)
    cdk, served = run({DEV_HOST: {}}, env={"CDK_DATABASE_MAX_CAPACITY": "two", "CDK_APP_PORT": "3000.5"})
    results["a CDK_* value of the wrong type"] = (HostRun(cdk, DEV_HOST), served)
    return results


def role_options():
    """{role: the options of its main entry point} (meta/argument_specs.yml of each role)."""
    options = {}
    for role in sorted(os.listdir(os.path.join(ROOT, "roles"))):
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
            options[role] = set(yaml.safe_load(handle)["argument_specs"]["main"].get("options") or {})
    return options


def test_there_are_at_least_thirty_bad_inputs_and_one_per_role():
    assert len(CASES) >= 30
    options = role_options()
    covered = {role for overrides, _ in CASES.values() for name in overrides for role, names in options.items() if name in names}
    assert covered == set(options), f"no bad input of the role(s) {sorted(set(options) - covered)}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_input_stops_the_run_before_any_aws_call_with_a_clear_message(runs, case):
    run, served = runs[case]
    assert run.rc != 0, run
    message = run.failure()
    assert CASES[case][1] in message, message
    assert message.startswith("The inputs of ")
    assert "(nothing was changed)" in message
    assert [name for name, _ in run.results()][-1] == PREFLIGHT
    assert served == 0


def test_every_problem_is_listed_at_once(runs):
    run, served = runs["all at once"]
    message = run.failure()
    for case in ALL_AT_ONCE:
        assert CASES[case][1] in message
    assert message.count("\n- ") == len(ALL_AT_ONCE)
    assert served == 0


def test_valid_inputs_pass_the_preflight_and_only_then_reach_for_aws(runs):
    run, _ = runs["valid"]
    passed = [name for name, result in run.results() if not result.get("failed")]
    assert PREFLIGHT in passed
    assert run.failure()   # the network lookup, the first AWS call, cannot reach the closed port
    assert [name for name, _ in run.results()][-1] == "Import the existing VPC, hosted zone, certificate and JWT parameter"


def test_a_cdk_value_of_the_wrong_type_stops_the_run_before_any_aws_call(runs):
    run, served = runs["a CDK_* value of the wrong type"]
    message = run.failure()
    assert "CDK_DATABASE_MAX_CAPACITY 'two' (it sets database_max_capacity) is not a number" in message
    assert "CDK_APP_PORT '3000.5' (it sets app_port) is not a whole number" in message
    assert served == 0
