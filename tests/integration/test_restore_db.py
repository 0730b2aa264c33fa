"""playbooks/restore_db.yml against one local AWS endpoint: the database tier converged by site.yml, then a
point-in-time restore in check mode, for real and again; a second restore time, a time before the
restorable window and unusable inputs refused; the switch of the credentials secret unconfirmed, in check
mode, for real and again; and what site.yml does afterwards with and without database_cluster_identifier
naming the restored cluster (check mode). State read with boto3."""

import json

import pytest

from conftest import OUTPUTS_TASK
from conftest import converged

pytestmark = pytest.mark.integration

PLAYBOOK = "playbooks/restore_db.yml"
SOURCE = "nestjs-playground-dev"
RESTORED = "nestjs-playground-dev-restored"
SECRET = "nestjs-playground-dev-db-credentials"
TAGS = {"App": "nestjs-playground", "Env": "dev", "OU": "engineering", "Owner": "team@example.com"}
RESTORE_TASK = "Ensure the cluster restored to the point in time, in the source's subnet group and security group"
WRITER_TASK = "Ensure the restored cluster's Serverless v2 writer instance"
SWITCH_TASK = "Point the credentials secret at the restored cluster (host and dbClusterIdentifier; the password stays)"
PASSWORD_TASK = "Give the restored cluster the credentials secret's current password"
REFUSAL_TASK = "Refuse unusable restore inputs, before any AWS call"
# Fields of a cluster or an instance that move by themselves (the emulator's restorable window follows the clock).
VOLATILE = ("LatestRestorableTime",)


def clusters(ansible):
    rds = ansible.client("rds")
    found = {c["DBClusterIdentifier"]: {k: v for k, v in c.items() if k not in VOLATILE} for c in rds.describe_db_clusters()["DBClusters"]}
    instances = {i["DBInstanceIdentifier"]: {k: v for k, v in i.items() if k not in VOLATILE} for i in rds.describe_db_instances()["DBInstances"]}
    return found, instances


def secret(ansible):
    return json.loads(ansible.client("secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"])


def observe(ansible):
    found, instances = clusters(ansible)
    return {"clusters": found, "instances": instances, "secret": secret(ansible)}


@pytest.fixture(scope="module")
def scenario(ansible, tmp_path_factory):
    # The dev database tier converged, restored when another module of this run made it (conftest.converged:
    # test_aurora_role.py, test_aurora_parameters.py and test_restore_db.py converge the same).
    lz, _ = converged(ansible, tmp_path_factory.mktemp("landing-zone"), args=["--tags", "network,database"])
    (source,) = ansible.client("rds").describe_db_clusters(DBClusterIdentifier=SOURCE)["DBClusters"]
    when = source["LatestRestorableTime"].strftime("%Y-%m-%dT%H:%M:%SZ")
    steps = {"source": observe(ansible), "when": when}

    def step(name, extra, playbook=PLAYBOOK, check=False, expect_rc=0, args=()):
        run = ansible.playbook(playbook, extra_vars=[lz, extra], check=check, diff=True, args=list(args))
        if expect_rc == 0:
            assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))

    restore = {"restore_db_cluster_identifier": RESTORED, "restore_to_time": when}
    step("restore_check", restore, check=True)
    step("latest_check", {"restore_db_cluster_identifier": f"{RESTORED}-latest", "restore_use_latest": True}, check=True)
    step("restore", restore)
    step("restore_again", restore)
    step("other_time", dict(restore, restore_to_time="2026-01-01T00:00:00Z"), expect_rc=None)
    step("before_window", {"restore_db_cluster_identifier": f"{RESTORED}-2", "restore_to_time": "2020-01-01T00:00:00Z"}, expect_rc=None)
    step("no_inputs", {}, expect_rc=None)
    step("onto_itself_without_time", {"restore_db_cluster_identifier": SOURCE}, expect_rc=None)
    step("both_times_badly", dict(restore, restore_to_time="28/11/2026 09:30", restore_use_latest=True), expect_rc=None)
    switch = {"restore_db_cluster_identifier": RESTORED, "restore_switch_secret": True}
    step("switch_unconfirmed", switch, expect_rc=None)
    step("switch_check", dict(switch, confirm_restore_switch=RESTORED), check=True)
    step("switch", dict(switch, confirm_restore_switch=RESTORED))
    step("switch_again", dict(switch, confirm_restore_switch=RESTORED))
    step("site_back_check", {}, playbook="site.yml", check=True, args=["--tags", "network,database"])
    step("site_adopts_check", {"database_cluster_identifier": RESTORED}, playbook="site.yml", check=True, args=["--tags", "network,database"])
    return steps


def test_restore_in_check_mode_reports_the_cluster_and_its_writer_and_creates_nothing(scenario):
    run, state = scenario["restore_check"]
    assert run.changed_tasks() == [RESTORE_TASK, WRITER_TASK]
    assert state == scenario["source"]
    after = run.result(RESTORE_TASK)["diff"]["after"]
    assert (after["restored_from"], after["restore_to_time"]) == (SOURCE, scenario["when"].replace("Z", "+00:00"))
    source = scenario["source"]["clusters"][SOURCE]
    assert after["vpc_security_group_ids"] == [g["VpcSecurityGroupId"] for g in source["VpcSecurityGroups"]]
    latest = scenario["latest_check"][0].result(RESTORE_TASK)["diff"]["after"]
    assert latest["restore_to_time"] == "latest restorable time"


def test_restore_creates_a_new_cluster_with_the_source_s_settings_and_data_source(scenario):
    run, state = scenario["restore"]
    assert run.changed_tasks() == [RESTORE_TASK, WRITER_TASK]
    source, restored = state["clusters"][SOURCE], state["clusters"][RESTORED]
    for field in ("Engine", "EngineVersion", "DatabaseName", "MasterUsername", "Port", "DBSubnetGroup", "StorageEncrypted", "KmsKeyId",
                  "ServerlessV2ScalingConfiguration", "BackupRetentionPeriod", "DeletionProtection", "CopyTagsToSnapshot"):
        assert restored[field] == source[field], field
    assert restored["StorageEncrypted"] is True
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == [g["VpcSecurityGroupId"] for g in source["VpcSecurityGroups"]]
    assert {t["Key"]: t["Value"] for t in restored["TagList"]} == dict(TAGS, RestoredFrom=SOURCE, RestoredTo=scenario["when"])
    assert restored["Status"] == "available"


def test_the_restored_cluster_gets_its_own_serverless_v2_writer(scenario):
    instances = scenario["restore"][1]["instances"]
    writer = instances[f"{RESTORED}-writer"]
    assert (writer["DBClusterIdentifier"], writer["DBInstanceClass"], writer["Engine"]) == (RESTORED, "db.serverless", "aurora-postgresql")
    assert writer["PubliclyAccessible"] is False
    assert f"{RESTORED}-reader" not in instances   # database_read_replica is off in dev


def test_the_restore_never_touches_the_source_cluster_nor_the_secret(scenario):
    before, after = scenario["source"], scenario["restore"][1]
    assert after["clusters"][SOURCE] == before["clusters"][SOURCE]
    assert after["instances"][f"{SOURCE}-writer"] == before["instances"][f"{SOURCE}-writer"]
    assert after["secret"] == before["secret"]


def test_the_restore_again_changes_nothing(scenario):
    run, state = scenario["restore_again"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert state == scenario["restore"][1]


def test_a_restore_to_another_time_onto_the_restored_cluster_is_refused(scenario):
    run, state = scenario["other_time"]
    assert run.rc != 0
    message = run.failure()
    assert f"Cluster {RESTORED} already exists and holds a restore of {SOURCE} to {scenario['when']}" in message
    assert "give restore_db_cluster_identifier a name no cluster has" in message
    assert state == scenario["restore"][1]


def test_a_time_before_the_restorable_window_is_refused_naming_the_window(scenario):
    run, state = scenario["before_window"]
    assert run.rc != 0
    assert f"is before the earliest restorable time of cluster {SOURCE}" in run.failure()
    assert state == scenario["restore"][1]


@pytest.mark.parametrize(("step", "expected"), [
    ("no_inputs", ["restore_db_cluster_identifier is not set", "Give restore_to_time (ISO 8601 in UTC"]),
    ("onto_itself_without_time", [f"restore_db_cluster_identifier '{SOURCE}' is the cluster itself", "Give restore_to_time"]),
    ("both_times_badly", ["restore_to_time '28/11/2026 09:30' and restore_use_latest=true are both set",
                          "restore_to_time '28/11/2026 09:30' is not an ISO 8601 time with a time zone"]),
    ("switch_unconfirmed", [f"confirm with -e confirm_restore_switch={RESTORED} (confirm_restore_switch is not set)"]),
])
def test_unusable_inputs_are_refused_before_any_aws_call(scenario, step, expected):
    run, state = scenario[step]
    assert run.rc != 0
    message = run.failure()
    assert message.startswith("Nothing was restored or switched in nestjs-playground-dev:")
    for text in expected:
        assert text in message
    assert [name for name, _ in run.results()][-1] == REFUSAL_TASK
    assert state == scenario["restore"][1]


def test_the_switch_in_check_mode_reports_the_secret_and_changes_nothing(scenario):
    run, state = scenario["switch_check"]
    assert run.changed_tasks() == [PASSWORD_TASK, SWITCH_TASK]
    assert run.result(PASSWORD_TASK)["diff"]["after"]["applied_cluster"] == RESTORED
    assert state == scenario["restore"][1]
    diff = run.result(SWITCH_TASK)["diff"]
    assert diff["after"]["host"] == scenario["restore"][1]["clusters"][RESTORED]["Endpoint"]
    assert diff["after"]["password"] == "(unchanged)"
    assert scenario["restore"][1]["secret"]["password"] not in json.dumps(run.data)


def test_the_switch_points_the_secret_s_host_and_cluster_at_the_restored_cluster_and_nothing_else(scenario):
    run, state = scenario["switch"]
    assert run.changed_tasks() == [PASSWORD_TASK, SWITCH_TASK]
    before, after = scenario["restore"][1]["secret"], state["secret"]
    assert after["host"] == state["clusters"][RESTORED]["Endpoint"] != before["host"]
    assert after["dbClusterIdentifier"] == RESTORED
    unchanged = {key: value for key, value in before.items() if key not in ("host", "dbClusterIdentifier")}
    assert {key: after[key] for key in unchanged} == unchanged
    assert after["password"] == before["password"] and set(after) == set(before)
    assert state["clusters"] == scenario["restore"][1]["clusters"]
    assert before["password"] not in json.dumps(run.data)


def test_the_switch_gives_the_restored_cluster_the_current_password_and_records_it(scenario, ansible):
    """A cluster restored to a time before the last rotation holds that time's password: the switch gives it the
    secret's AWSCURRENT one first (ModifyDBCluster; the request's password is compared by digest in
    test_db_credentials_rotation.py's Stubber test), and the secret records which cluster got which version."""
    run, _ = scenario["switch"]
    assert run.result(PASSWORD_TASK)["rotation"]["applied"] is True
    secrets = ansible.client("secretsmanager")
    tags = {t["Key"]: t["Value"] for t in secrets.describe_secret(SecretId=SECRET)["Tags"]}
    assert tags["CredentialsAppliedCluster"] == RESTORED
    # the version it was given (current then; the switch's new host made another since) holds the current password
    given = json.loads(secrets.get_secret_value(SecretId=SECRET, VersionId=tags["CredentialsAppliedVersion"])["SecretString"])
    current = json.loads(secrets.get_secret_value(SecretId=SECRET, VersionStage="AWSCURRENT")["SecretString"])
    assert given["password"] == current["password"] and given["host"] != current["host"]


def test_the_switch_again_changes_nothing(scenario):
    run, state = scenario["switch_again"]
    assert run.host_stats()["changed"] == 0, run.changed_tasks()
    assert state == scenario["switch"][1]


def test_site_yml_points_the_secret_back_unless_the_inventory_names_the_restored_cluster(scenario):
    back = scenario["site_back_check"][0]
    assert back.changed_tasks() == ["Fill in the secret's host and cluster once the cluster exists"]
    adopts = scenario["site_adopts_check"][0]
    # it adopts the restored cluster (only the restore's own tags go), and the outputs name its endpoint
    assert adopts.changed_tasks() == ["Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster", OUTPUTS_TASK]
    diff = adopts.result("Ensure the encrypted Aurora Serverless v2 PostgreSQL cluster")["diff"]
    assert set(diff["before"]["tags"]) - set(diff["after"]["tags"]) == {"RestoredFrom", "RestoredTo"}
