"""The landing zone a test module gets restored from another module's (conftest.landing_zone, through
snapshot_server.py) is the one the playbook builds: the same resources with the same ids, in an emulator that
goes on working - new resources get new ids, and a restored emulator can be saved again."""

import ipaddress
import os
import stat
import sys

import pytest

from conftest import Ansible
from conftest import DEV_HOST
from conftest import LANDING_ZONES
from conftest import SNAPSHOT_SERVER
from conftest import landing_zone
from conftest import snapshot_request
from emulator import Emulator

pytestmark = pytest.mark.integration


def network(ansible):
    """What the landing zone is made of, as the AWS APIs describe it (volatile fields left out)."""
    ec2, route53, acm, ssm = (ansible.client(s) for s in ("ec2", "route53", "acm", "ssm"))
    vpcs = [(v["VpcId"], v["CidrBlock"], sorted((t["Key"], t["Value"]) for t in v.get("Tags", [])))
            for v in ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"]]
    subnets = sorted((s["SubnetId"], s["VpcId"], s["CidrBlock"], s["AvailabilityZone"], s["MapPublicIpOnLaunch"])
                     for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] in {v[0] for v in vpcs})
    routes = sorted((t["RouteTableId"], sorted(a.get("SubnetId", "main") for a in t["Associations"]),
                     sorted((r.get("DestinationCidrBlock"), r.get("GatewayId") or r.get("NatGatewayId")) for r in t["Routes"]))
                    for t in ec2.describe_route_tables()["RouteTables"] if t["VpcId"] in {v[0] for v in vpcs})
    nat = sorted((n["NatGatewayId"], n["SubnetId"], n["State"]) for n in ec2.describe_nat_gateways()["NatGateways"])
    zones = sorted((z["Id"], z["Name"]) for z in route53.list_hosted_zones()["HostedZones"])
    certificates = sorted((c["CertificateArn"], c["DomainName"]) for c in acm.list_certificates()["CertificateSummaryList"])
    parameters = sorted((p["Name"], p["Type"]) for p in ssm.describe_parameters()["Parameters"])
    return {"vpcs": vpcs, "subnets": subnets, "routes": routes, "nat": nat, "zones": zones,
            "certificates": certificates, "parameters": parameters}


@pytest.fixture(scope="module")
def restored(ansible, tmp_path_factory):
    built_dir = tmp_path_factory.mktemp("built")
    built = landing_zone(ansible, built_dir)   # built here, or restored when another module built it first
    assert ("inventories/dev", DEV_HOST) in LANDING_ZONES
    with Emulator(log_path=str(tmp_path_factory.mktemp("moto") / "moto.log"),
                  command=[sys.executable, SNAPSHOT_SERVER]) as second:
        other = Ansible(second, tmp_path_factory.mktemp("outputs"))
        restored_dir = tmp_path_factory.mktemp("restored")
        values = landing_zone(other, restored_dir)
        yield {"ansible": ansible, "other": other, "built": built, "values": values,
               "built_dir": built_dir, "restored_dir": restored_dir}


def test_a_restored_landing_zone_holds_the_same_resources_with_the_same_ids(restored):
    first, second = network(restored["ansible"]), network(restored["other"])
    assert first == second
    assert len(first["subnets"]) == 4 and first["zones"] and first["certificates"] and first["parameters"]


def test_the_restored_landing_zone_comes_with_the_files_the_playbook_wrote(restored):
    assert restored["values"] == restored["built"]
    modes = [{name: stat.S_IMODE(os.stat(directory / name).st_mode) for name in os.listdir(directory)}
             for directory in (restored["built_dir"], restored["restored_dir"])]
    assert modes[0] == modes[1] and len(modes[0]) >= 1   # names and modes (the private key's 0600)
    assert os.stat(restored["restored_dir"]).st_mode == os.stat(restored["built_dir"]).st_mode   # the directory's too
    with open(restored["restored_dir"] / f"landing-zone-{DEV_HOST}.yml", encoding="utf-8") as handle:
        assert f"at {restored['other'].emulator.url}." in handle.read()   # its comment names its own endpoint


def test_a_restored_emulator_makes_new_resources_with_new_ids(restored):
    ec2 = restored["other"].client("ec2")
    group = ec2.create_security_group(GroupName="after-restore", Description="d", VpcId=restored["values"]["vpc_id"])
    before = network(restored["other"])
    known = {s[0] for s in before["subnets"]}
    last = list(ipaddress.ip_network(before["vpcs"][0][1]).subnets(new_prefix=24))[-1]   # not one of the landing zone's
    subnet = ec2.create_subnet(VpcId=restored["values"]["vpc_id"], CidrBlock=str(last))["Subnet"]["SubnetId"]
    assert subnet not in known and group["GroupId"].startswith("sg-")
    assert snapshot_request(restored["other"].emulator, "pristine") == "false"


def test_a_landing_zone_is_built_by_the_playbook_when_the_emulator_already_holds_something(ansible, tmp_path_factory):
    # The module's emulator has served requests by now: the playbook runs (its answer: the existing landing zone).
    values = landing_zone(ansible, tmp_path_factory.mktemp("again"))
    assert values["vpc_id"] == network(ansible)["vpcs"][0][0]
