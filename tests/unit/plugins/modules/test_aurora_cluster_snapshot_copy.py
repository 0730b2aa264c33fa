from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.aurora_cluster_snapshot_copy import (
    Snapshots,
    converge,
    copies_of,
    copy_identifier,
    copy_tags,
    latest_automated,
    plan,
    utc_text,
)
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import Failed
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

CLUSTER = "nestjs-playground-prd"
CLUSTER_ARN = f"arn:aws:rds:us-east-1:123456789012:cluster:{CLUSTER}"


def automated(day, hour=3, status="available"):
    identifier = f"rds:{CLUSTER}-2026-11-{day:02d}-{hour:02d}-10"
    return {"DBClusterSnapshotIdentifier": identifier, "SnapshotType": "automated", "Status": status,
            "SnapshotCreateTime": datetime(2026, 11, day, hour, 10, 42, tzinfo=timezone.utc),
            "DBClusterSnapshotArn": f"arn:aws:rds:us-east-1:123456789012:cluster-snapshot:{identifier}"}


def copy_of(source, status="available", cluster_arn=CLUSTER_ARN):
    identifier = copy_identifier(CLUSTER, source)
    return {"DBClusterSnapshotIdentifier": identifier, "SnapshotType": "manual", "Status": status,
            "SnapshotCreateTime": datetime(2026, 11, 28, tzinfo=timezone.utc),   # when it was copied: not the order
            "DBClusterSnapshotArn": f"arn:aws:rds:us-west-2:123456789012:cluster-snapshot:{identifier}",
            "TagList": [{"Key": k, "Value": v} for k, v in copy_tags({"Env": "prd"}, cluster_arn, source).items()]}


def test_times_are_compared_and_tagged_as_utc_text():
    assert utc_text(datetime(2026, 11, 3, 3, 10, 42, tzinfo=timezone.utc)) == "2026-11-03T03:10:42Z"
    assert utc_text("2026-11-03T04:10:42+01:00") == "2026-11-03T03:10:42Z"
    assert utc_text(datetime(2026, 11, 3, 3, 10, 42)) == "2026-11-03T03:10:42Z"


def test_the_latest_available_automated_snapshot_is_the_source():
    snapshots = [automated(1), automated(3), automated(4, status="creating"), automated(2),
                 dict(automated(5), SnapshotType="manual")]
    assert latest_automated(snapshots)["DBClusterSnapshotIdentifier"] == f"rds:{CLUSTER}-2026-11-03-03-10"
    assert latest_automated([automated(4, status="creating")]) is None
    assert latest_automated([]) is None


def test_a_copy_is_named_after_the_cluster_and_the_source_time():
    assert copy_identifier(CLUSTER, automated(3)) == f"{CLUSTER}-copy-2026-11-03-03-10"


def test_copies_carry_the_tags_that_recognise_them_and_those_win():
    tags = copy_tags({"Env": "prd", "SnapshotCopyOf": "mine"}, CLUSTER_ARN, automated(3))
    assert tags == {"Env": "prd", "SnapshotCopyOf": CLUSTER_ARN, "SourceSnapshot": automated(3)["DBClusterSnapshotArn"],
                    "SourceSnapshotTime": "2026-11-03T03:10:42Z"}


def test_only_tagged_manual_copies_of_this_cluster_count_newest_source_first():
    hand_made = {"DBClusterSnapshotIdentifier": "by-hand", "SnapshotType": "manual", "Status": "available",
                 "SnapshotCreateTime": datetime(2026, 11, 9, tzinfo=timezone.utc), "TagList": []}
    other = copy_of(automated(5), cluster_arn=CLUSTER_ARN.replace("prd", "qa"))
    copies = copies_of([copy_of(automated(1)), hand_made, copy_of(automated(3)), other, copy_of(automated(2))], CLUSTER_ARN)
    assert [c["DBClusterSnapshotIdentifier"] for c in copies] == [f"{CLUSTER}-copy-2026-11-0{d}-03-10" for d in (3, 2, 1)]


def names(*days):
    return [f"{CLUSTER}-copy-2026-11-{d:02d}-03-10" for d in days]


def test_the_first_run_copies_the_latest_snapshot():
    decision = plan(CLUSTER, automated(3), [], 7)
    assert decision == {"copy": names(3)[0], "existing": None, "delete": [], "after": names(3)}


def test_a_run_with_nothing_new_copies_nothing_and_deletes_nothing():
    copies = copies_of([copy_of(automated(3)), copy_of(automated(2))], CLUSTER_ARN)
    decision = plan(CLUSTER, automated(3), copies, 7)
    assert decision["copy"] is None and decision["delete"] == []
    assert decision["existing"]["DBClusterSnapshotIdentifier"] == names(3)[0]


def test_the_oldest_copies_beyond_the_count_are_deleted_oldest_first():
    copies = copies_of([copy_of(automated(d)) for d in (1, 2, 3, 4)], CLUSTER_ARN)
    decision = plan(CLUSTER, automated(5), copies, 3)
    assert decision["copy"] == names(5)[0]
    assert decision["delete"] == names(1, 2)
    assert decision["after"] == names(5, 4, 3)


def test_the_newest_available_copy_stays_while_the_new_one_is_being_made():
    copies = copies_of([copy_of(automated(2)), copy_of(automated(1))], CLUSTER_ARN)
    decision = plan(CLUSTER, automated(3), copies, 1)
    assert decision["delete"] == names(1)
    assert decision["after"] == names(3, 2)
    # once the new copy is available, the next run lets the older one go
    later = copies_of([copy_of(automated(3)), copy_of(automated(2))], CLUSTER_ARN)
    assert plan(CLUSTER, automated(3), later, 1)["delete"] == names(2)


def test_copies_still_being_made_are_not_deleted():
    copies = copies_of([copy_of(automated(3)), copy_of(automated(2)), copy_of(automated(1), status="copying")], CLUSTER_ARN)
    assert plan(CLUSTER, automated(3), copies, 1)["delete"] == names(2)


def test_without_a_snapshot_yet_nothing_is_copied_but_the_count_still_holds():
    copies = copies_of([copy_of(automated(d)) for d in (1, 2, 3)], CLUSTER_ARN)
    decision = plan(CLUSTER, None, copies, 2)
    assert decision["copy"] is None and decision["existing"] is None
    assert decision["delete"] == names(1)


# The module's calls, on AWS's shapes (botocore Stubber; the fake module's one RDS client stands for both regions).

class RegionModule(FakeModule):
    region = "us-east-1"

    def client(self, service, retry_decorator=None, region=None):
        return super().client(service, retry_decorator)

    def warn(self, message):
        self.warnings.append(message)


def stubbed_run(check_mode=False, **params):
    module = RegionModule(dict({"db_cluster_identifier": CLUSTER, "destination_region": "us-west-2", "kms_key_id": None, "keep": 2,
                          "wait": False, "wait_timeout": 60, "tags": {"Env": "prd"}}, **params), check_mode=check_mode)
    module.warnings = []
    snapshots = Snapshots(module)   # first: its clients are the ones that retry
    return module, module.stubber("rds"), snapshots


def test_a_cluster_that_is_not_there_is_refused_naming_the_converge():
    module, stubber, snapshots = stubbed_run()
    stubber.add_client_error("describe_db_clusters", "DBClusterNotFoundFault", expected_params={"DBClusterIdentifier": CLUSTER})
    with stubber, pytest.raises(Failed, match=f"Cluster {CLUSTER} does not exist in us-east-1: converge the database first"):
        converge(module, snapshots)
    stubber.assert_no_pending_responses()


def test_the_latest_snapshot_is_copied_and_the_oldest_copy_deleted_even_when_already_gone():
    module, stubber, snapshots = stubbed_run()
    stubber.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": CLUSTER, "DBClusterArn": CLUSTER_ARN}]})
    stubber.add_response("describe_db_cluster_snapshots", {"DBClusterSnapshots": [automated(3)]},
                         expected_params={"DBClusterIdentifier": CLUSTER, "SnapshotType": "automated"})
    stubber.add_response("describe_db_cluster_snapshots", {"DBClusterSnapshots": [copy_of(automated(1)), copy_of(automated(2))]},
                         expected_params={"SnapshotType": "manual"})
    new = names(3)[0]
    stubber.add_response("copy_db_cluster_snapshot", {"DBClusterSnapshot": {"DBClusterSnapshotArn": f"arn:{new}", "Status": "copying"}},
                         expected_params={"SourceDBClusterSnapshotIdentifier": automated(3)["DBClusterSnapshotArn"],
                                          "TargetDBClusterSnapshotIdentifier": new, "SourceRegion": "us-east-1", "CopyTags": False,
                                          "Tags": [{"Key": k, "Value": v} for k, v in copy_tags({"Env": "prd"}, CLUSTER_ARN, automated(3)).items()]})
    stubber.add_client_error("delete_db_cluster_snapshot", "DBClusterSnapshotNotFoundFault",
                             expected_params={"DBClusterSnapshotIdentifier": names(1)[0]})
    with stubber:
        result = converge(module, snapshots)
    stubber.assert_no_pending_responses()
    assert result["changed"] and result["deleted"] == names(1) and result["copies"] == names(3, 2)
    assert result["snapshot_copy"] == {"identifier": new, "arn": f"arn:{new}", "status": "copying", "created": True}
    assert result["source_snapshot"]["create_time"] == "2026-11-03T03:10:42Z" and module.warnings == []
