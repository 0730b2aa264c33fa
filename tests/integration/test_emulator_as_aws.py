"""Where the tests' emulator (snapshot_server.py) answers as AWS does and moto alone does not
(docs/emulator-gaps.md): the tests that rely on it (the concurrency test, converge/destroy/converge) prove
something about AWS only if these hold."""

import concurrent.futures

import botocore.exceptions
import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def subnets(ansible):
    return vpc_with_subnets(ansible.client("ec2"), 77)[1]


def create(elbv2, name, subnets, **settings):
    return elbv2.create_load_balancer(Name=name, Subnets=subnets, Type="application", **settings)["LoadBalancers"][0]


def balancers_named(elbv2, name):
    return [b["LoadBalancerArn"] for b in elbv2.describe_load_balancers()["LoadBalancers"] if b["LoadBalancerName"] == name]


def test_a_load_balancer_created_again_with_the_same_settings_is_the_same_one(ansible, subnets):
    elbv2 = ansible.client("elbv2")
    first = create(elbv2, "same-settings", subnets, Scheme="internal")
    again = create(elbv2, "same-settings", list(reversed(subnets)), Scheme="internal")
    assert again["LoadBalancerArn"] == first["LoadBalancerArn"]
    assert balancers_named(elbv2, "same-settings") == [first["LoadBalancerArn"]]


def test_a_load_balancer_name_in_use_with_other_settings_is_refused(ansible, subnets):
    elbv2 = ansible.client("elbv2")
    first = create(elbv2, "other-settings", subnets, Scheme="internal")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        create(elbv2, "other-settings", subnets, Scheme="internet-facing")
    assert refused.value.response["Error"]["Code"] == "DuplicateLoadBalancerName"
    assert balancers_named(elbv2, "other-settings") == [first["LoadBalancerArn"]]


def test_load_balancers_created_at_once_with_one_name_are_one(ansible, subnets):
    elbv2 = ansible.client("elbv2")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        created = list(pool.map(lambda _: create(elbv2, "at-once", subnets)["LoadBalancerArn"], range(4)))
    assert len(set(created)) == 1
    assert balancers_named(elbv2, "at-once") == created[:1]


def test_a_deleted_cluster_takes_its_automated_snapshots_with_it(ansible):
    rds = ansible.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="gone-with-snapshots", Engine="aurora-postgresql",
                          MasterUsername="app", MasterUserPassword="not-a-secret-1")
    automated = rds.describe_db_cluster_snapshots(DBClusterIdentifier="gone-with-snapshots",
                                                  SnapshotType="automated")["DBClusterSnapshots"]
    assert automated, "moto takes an automated snapshot at creation; without one this test proves nothing"
    rds.delete_db_cluster(DBClusterIdentifier="gone-with-snapshots", SkipFinalSnapshot=True)
    assert rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"] == []
