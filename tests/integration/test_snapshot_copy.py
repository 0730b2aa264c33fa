"""Cross-region snapshots for production (spec: Backup Strategy): playbooks/copy_db_snapshot.yml with the
shipped prd inventory (its database_snapshot_copy_region, us-west-2), against one local AWS endpoint that holds
both regions. The database tier converged; the copy in check mode; the copy (its key created in us-west-2);
again with nothing new; two older copies added as earlier days' runs made them, then a run that keeps two; the
dev inventory, which sets no copy region; a copy region equal to the deployment's own, refused."""

from datetime import datetime
from datetime import timezone

import pytest

from conftest import landing_zone

pytestmark = pytest.mark.integration

HOST = "nestjs-playground-prd"
CLUSTER = "nestjs-playground-prd"
COPY = "playbooks/copy_db_snapshot.yml"
ALIAS = "alias/nestjs-playground-prd-snapshots"
COPY_TASK = "Ensure the latest automated snapshot has a copy in the copy region, keeping database_snapshot_copy_keep copies"
KEY_TASK = "Ensure the key that encrypts the copies exists in the copy region"
SAY_TASK = "Say what the copy did"


def observe(ansible):
    west = ansible.client("rds", "us-west-2")
    kms = ansible.client("kms", "us-west-2")
    copies = west.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    return {
        "copies": {c["DBClusterSnapshotIdentifier"]: c for c in copies},
        "aliases": {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")},
    }


def seed_older_copy(ansible, day):
    """A copy as the job of an earlier day made it: a snapshot of that day, copied to us-west-2 with the copy's tags."""
    east, west = ansible.client("rds"), ansible.client("rds", "us-west-2")
    source = east.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=f"{CLUSTER}-seed-{day}", DBClusterIdentifier=CLUSTER)["DBClusterSnapshot"]
    cluster_arn = east.describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"][0]["DBClusterArn"]
    identifier = f"{CLUSTER}-copy-2026-11-{day:02d}-03-10"
    tags = {"SnapshotCopyOf": cluster_arn, "SourceSnapshot": source["DBClusterSnapshotArn"],
            "SourceSnapshotTime": datetime(2026, 11, day, 3, 10, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    west.copy_db_cluster_snapshot(SourceDBClusterSnapshotIdentifier=source["DBClusterSnapshotArn"], TargetDBClusterSnapshotIdentifier=identifier,
                                  KmsKeyId=ALIAS, SourceRegion="us-east-1", Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return identifier


@pytest.fixture(scope="module")
def scenario(ansible, ansible_recorded, recorded, tmp_path_factory):
    # The landing zone every module restores (the dev inventory's): prd builds on the same VPC, zone,
    # certificate and JWT parameter names, as test_destroy_prd.py's does.
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    converge = ansible.playbook("site.yml", "inventories/prd", extra_vars=[lz], args=["--tags", "network,database"])
    assert converge.rc == 0, converge
    steps = {}

    def step(name, *extra, inventory="inventories/prd", check=False, ok=True):
        mark = recorded.mark()
        run = ansible_recorded.playbook(COPY, inventory, extra_vars=[lz, *extra], check=check, diff=True)
        if ok:
            assert run.rc == 0, f"{name}: {run!r}"
        steps[name] = (run, observe(ansible))
        steps[name + "_writes"] = [(call.service, call.action) for call in recorded.mutating_calls(mark)]

    step("check", check=True)
    step("copy")
    step("copy_again")
    seeded = [seed_older_copy(ansible, day) for day in (20, 21)]
    steps["seeded"] = (None, observe(ansible))
    step("prune", {"database_snapshot_copy_keep": 2})
    step("prune_again", {"database_snapshot_copy_keep": 2})
    step("dev", inventory="inventories/dev")
    step("same_region", {"database_snapshot_copy_region": "us-east-1"}, ok=False)
    automated = ansible.client("rds").describe_db_cluster_snapshots(DBClusterIdentifier=CLUSTER, SnapshotType="automated")["DBClusterSnapshots"]
    return {"steps": steps, "seeded": seeded, "automated": automated}


def host_changed(run):
    return [name for name, result in run.results(HOST) if result.get("changed")]


def test_check_mode_shows_the_copy_and_makes_neither_it_nor_the_key(scenario):
    run, state = scenario["steps"]["check"]
    assert host_changed(run) == [KEY_TASK, COPY_TASK]
    result = run.result(COPY_TASK, HOST)
    assert result["snapshot_copy"]["created"] is True
    assert result["diff"] == {"before": {"copies": []}, "after": {"copies": [result["snapshot_copy"]["identifier"]]}}
    assert state == {"copies": {}, "aliases": {}}
    assert scenario["steps"]["check_writes"] == []


def test_the_latest_automated_snapshot_is_copied_to_the_prd_copy_region_encrypted_with_its_key(scenario):
    run, state = scenario["steps"]["copy"]
    (source,) = scenario["automated"]
    (identifier,) = state["copies"]
    copy = state["copies"][identifier]
    assert identifier == f"{CLUSTER}-copy-" + source["SnapshotCreateTime"].astimezone(timezone.utc).strftime("%Y-%m-%d-%H-%M")
    assert copy["DBClusterSnapshotArn"].startswith("arn:aws:rds:us-west-2:")
    assert copy["StorageEncrypted"] is True
    assert copy["KmsKeyId"].endswith(f":key/{state['aliases'][ALIAS]}")
    assert copy["KmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    assert run.result(COPY_TASK, HOST)["source_snapshot"]["identifier"] == source["DBClusterSnapshotIdentifier"]


def test_the_copy_is_tagged_with_the_environment_and_its_source(scenario):
    _, state = scenario["steps"]["copy"]
    (copy,) = state["copies"].values()
    tags = {t["Key"]: t["Value"] for t in copy["TagList"]}
    (source,) = scenario["automated"]
    assert tags["Env"] == "prd" and tags["App"] == "nestjs-playground"
    assert tags["SourceSnapshot"] == source["DBClusterSnapshotArn"]
    assert tags["SnapshotCopyOf"].endswith(f":cluster:{CLUSTER}")


def test_a_run_with_nothing_new_copies_nothing(scenario):
    run, state = scenario["steps"]["copy_again"]
    assert run.host_stats(HOST)["changed"] == 0, host_changed(run)
    assert state == scenario["steps"]["copy"][1]
    assert scenario["steps"]["copy_again_writes"] == []
    assert "already there in us-west-2; 1 copies kept." in run.result(SAY_TASK, HOST)["msg"]


def test_the_oldest_copies_beyond_the_count_are_deleted(scenario):
    seeded = scenario["seeded"]
    assert set(scenario["steps"]["seeded"][1]["copies"]) >= set(seeded)
    run, state = scenario["steps"]["prune"]
    assert host_changed(run) == [COPY_TASK]
    assert run.result(COPY_TASK, HOST)["deleted"] == [seeded[0]]
    (latest,) = scenario["steps"]["copy"][1]["copies"]
    assert set(state["copies"]) == {latest, seeded[1]}
    again = scenario["steps"]["prune_again"][0]
    assert again.host_stats(HOST)["changed"] == 0, host_changed(again)


def test_an_inventory_without_a_copy_region_copies_nothing(scenario):
    run, state = scenario["steps"]["dev"]
    assert run.host_stats("nestjs-playground-dev")["changed"] == 0
    assert "No copy region is set (database_snapshot_copy_region): nothing was copied." in run.result(
        SAY_TASK, "nestjs-playground-dev")["msg"]
    assert state == scenario["steps"]["prune_again"][1]


def test_a_copy_region_equal_to_the_deployment_region_is_refused_and_nothing_changes(scenario):
    run, state = scenario["steps"]["same_region"]
    assert run.rc != 0
    assert "database_snapshot_copy_region 'us-east-1' is the deployment's own region (aws_region)" in run.failure(HOST)
    assert host_changed(run) == []
    assert state == scenario["steps"]["prune_again"][1]
    assert scenario["steps"]["same_region_writes"] == []
