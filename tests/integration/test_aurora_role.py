"""The aurora role through site.yml (`--tags network,database`: config, network_lookup, aurora), against one
local AWS endpoint: converge, rerun at -vvv, an edit in check mode then for real, the reader on and
off, the scheduler's access on and off; the real state read after each step."""

import json
import re

import pytest

from conftest import OUTPUTS_TASK
from conftest import converged
from conftest import write_inventory

pytestmark = pytest.mark.integration

CLUSTER = "nestjs-playground-dev"
SECRET = "nestjs-playground-dev-db-credentials"
READER_SECRET = "nestjs-playground-dev-db-read-replica"
CLUSTER_TASK = "Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster"
SG_TASK = "Ensure the database security group admits PostgreSQL from the application and scheduler groups only"
READER_TASK = "Ensure the Serverless v2 reader instance exists only with database_read_replica"
READER_SECRET_TASK = "Ensure the read-replica secret holds the reader endpoint only with database_read_replica"
TAGS = {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}


def observe(ansible):
    rds, sm, ec2 = ansible.client("rds"), ansible.client("secretsmanager"), ansible.client("ec2")
    (cluster,) = rds.describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"]
    instances = {i["DBInstanceIdentifier"]: i for i in rds.describe_db_instances()["DBInstances"]}
    secrets = {s["Name"] for s in sm.list_secrets()["SecretList"]}
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups()["SecurityGroups"]}
    reader = None
    if READER_SECRET in secrets:
        reader = json.loads(sm.get_secret_value(SecretId=READER_SECRET)["SecretString"])
    return {
        "cluster": cluster,
        "instances": instances,
        "secret": json.loads(sm.get_secret_value(SecretId=SECRET)["SecretString"]),
        "secrets": secrets,
        "reader_secret": reader,
        "groups": groups,
    }


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    # The dev database tier converged (--diff), restored when another module of this run made it (conftest.converged:
    # test_aurora_role.py, test_aurora_parameters.py and test_restore_db.py converge the same).
    lz, converge = converged(ansible, tmp_path_factory.mktemp("landing-zone"), args=["--tags", "network,database"])
    steps = {"converge": (converge, observe(ansible))}

    def step(name, *extra, check=False, verbose=False):
        env = {"ANSIBLE_STDOUT_CALLBACK": "default"} if verbose else None
        args = ["--tags", "network,database"] + (["-vvv"] if verbose else [])
        run = ansible.playbook("site.yml", extra_vars=[lz, *extra], check=check, diff=True, args=args, env=env)
        assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))

    bigger = {"database_max_capacity": 2}
    step("rerun_vvv", verbose=True)
    step("edit_check", bigger, check=True)
    step("edit", bigger)
    step("edit_again", bigger)
    step("reader_on", bigger, {"database_read_replica": True})
    step("reader_on_again", bigger, {"database_read_replica": True})
    step("reader_off", bigger, {"database_read_replica": False})
    step("reader_off_again", bigger)
    step("scheduler_on", bigger, {"schedule_task_cleanup_cron": "0 2 * * *"})
    step("scheduler_off", bigger, {"schedule_task_cleanup_cron": ""})
    steps["prd_check"] = (ansible.playbook(
        "site.yml", write_inventory(tmp_path_factory.mktemp("prd"), dict(lz, environment_name="prd")),
        check=True, diff=True, args=["--tags", "network,database"]), None)
    return steps


def ingress_sources(group):
    return [(p.get("IpProtocol"), p.get("FromPort"), p.get("ToPort"), sorted(g["GroupId"] for g in p.get("UserIdGroupPairs", [])),
             p.get("IpRanges", []), p.get("Ipv6Ranges", [])) for p in group["IpPermissions"]]


def test_converge_creates_the_cluster_as_the_spec_describes(scenario):
    cluster = scenario["converge"][1]["cluster"]
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"] == "17.5"
    assert cluster["DatabaseName"] == "nestjs_playground"
    assert cluster["MasterUsername"] == "postgres"
    assert cluster["StorageEncrypted"] is True
    assert cluster["BackupRetentionPeriod"] == 1
    assert cluster["DeletionProtection"] is False
    assert cluster["CopyTagsToSnapshot"] is True
    assert cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    assert cluster["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 1
    assert cluster["DBSubnetGroup"] == "nestjs-playground-dev-db"
    assert {t["Key"]: t["Value"] for t in cluster["TagList"]} == TAGS


def test_the_database_admits_postgresql_from_the_application_group_only(scenario):
    state = scenario["converge"][1]
    db, app = state["groups"]["nestjs-playground-dev-db"], state["groups"]["nestjs-playground-dev-app"]
    assert [g["VpcSecurityGroupId"] for g in state["cluster"]["VpcSecurityGroups"]] == [db["GroupId"]]
    assert ingress_sources(db) == [("tcp", 5432, 5432, [app["GroupId"]], [], [])]


def test_the_scheduler_group_is_admitted_only_while_the_scheduler_is_enabled(scenario):
    on, off = scenario["scheduler_on"][1]["groups"], scenario["scheduler_off"][1]["groups"]
    app, scheduler = on["nestjs-playground-dev-app"]["GroupId"], on["nestjs-playground-scheduler-dev"]["GroupId"]
    assert ingress_sources(on["nestjs-playground-dev-db"]) == [("tcp", 5432, 5432, sorted([app, scheduler]), [], [])]
    assert ingress_sources(off["nestjs-playground-dev-db"]) == [("tcp", 5432, 5432, [app], [], [])]
    assert scenario["scheduler_on"][0].changed_tasks() == [SG_TASK]
    assert scenario["scheduler_off"][0].changed_tasks() == [SG_TASK]


def test_the_writer_is_a_serverless_instance_and_there_is_no_reader(scenario):
    instances = scenario["converge"][1]["instances"]
    assert sorted(instances) == [f"{CLUSTER}-writer"]
    assert instances[f"{CLUSTER}-writer"]["DBInstanceClass"] == "db.serverless"
    assert instances[f"{CLUSTER}-writer"]["DBClusterIdentifier"] == CLUSTER
    assert READER_SECRET not in scenario["converge"][1]["secrets"]


def test_the_credentials_secret_has_every_key_cdk_generates(scenario):
    state = scenario["converge"][1]
    secret = state["secret"]
    assert sorted(secret) == ["dbClusterIdentifier", "dbname", "engine", "host", "password", "port", "username"]
    assert secret["host"] == state["cluster"]["Endpoint"]
    assert secret["port"] == 5432
    assert secret["dbClusterIdentifier"] == CLUSTER
    assert len(secret["password"]) >= 32


def test_the_password_never_changes(scenario):
    passwords = {state["secret"]["password"] for _, state in scenario.values() if state}
    assert len(passwords) == 1


def test_the_password_is_not_in_a_vvv_run_and_the_rerun_changes_nothing(scenario):
    run, state = scenario["rerun_vvv"]
    output = run.stdout + run.stderr
    # It really ran at -vvv: the default callback shows a module's invocation (its module_args) from -vvv on.
    # (It used to look for ESTABLISH LOCAL CONNECTION, which a module run inside the worker never opens.)
    assert "module_args" in output and "invocation" in output
    assert state["secret"]["password"] not in output
    assert re.search(r"nestjs-playground-dev\s*:\s*ok=\d+\s+changed=0\s", output), output[-2000:]


def test_editing_the_max_capacity_in_check_mode_reports_exactly_that_and_changes_nothing(scenario):
    run, state = scenario["edit_check"]
    assert run.changed_tasks() == [CLUSTER_TASK]
    diff = run.result(CLUSTER_TASK)["diff"]
    assert diff["before"]["serverless_v2_scaling_configuration"]["max_capacity"] == 1
    assert diff["after"]["serverless_v2_scaling_configuration"]["max_capacity"] == 2
    changed_keys = {k for k in diff["after"] if diff["after"][k] != diff["before"].get(k)}
    assert changed_keys == {"serverless_v2_scaling_configuration"}
    assert state["cluster"]["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 1


def test_the_edit_applies_exactly_that_change_and_reruns_clean(scenario):
    run, state = scenario["edit"]
    assert run.changed_tasks() == [CLUSTER_TASK]
    assert state["cluster"]["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 2
    assert scenario["edit_again"][0].host_stats()["changed"] == 0


def test_the_reader_and_its_secret_come_with_the_switch(scenario):
    run, state = scenario["reader_on"]
    assert run.changed_tasks() == [READER_TASK, READER_SECRET_TASK, OUTPUTS_TASK]
    reader = state["instances"][f"{CLUSTER}-reader"]
    assert reader["DBInstanceClass"] == "db.serverless"
    assert state["reader_secret"] == {"host": state["cluster"]["ReaderEndpoint"]}
    assert scenario["reader_on_again"][0].host_stats()["changed"] == 0


def test_the_reader_and_its_secret_go_with_the_switch(scenario):
    run, state = scenario["reader_off"]
    assert run.changed_tasks() == [READER_TASK, READER_SECRET_TASK, OUTPUTS_TASK]
    assert sorted(state["instances"]) == [f"{CLUSTER}-writer"]
    assert READER_SECRET not in state["secrets"]
    assert scenario["reader_off_again"][0].host_stats()["changed"] == 0


def test_production_gets_deletion_protection_and_seven_days_of_backups(scenario):
    run, _ = scenario["prd_check"]
    assert run.rc == 0, run
    after = run.result(CLUSTER_TASK)["diff"]["after"]
    assert after["deletion_protection"] is True
    assert after["backup_retention_period"] == 7
