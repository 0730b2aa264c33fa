"""Bad input in this slice (network and ECR) ends with a message that names what is wrong and how to fix it,
before anything is created.

Each case runs the whole site.yml (network_lookup, then ecr) with an inventory of exactly the
variables given, against one emulator holding the landing zone, a VPC with a single private subnet
and an ISSUED certificate for another name. The cases of one kind run together: each is a deployment (a
host) of its own in one inventory, checked alone as the one deployment of a user's inventory would be.
"""

import pytest

from conftest import HostRun
from conftest import landing_zone
from conftest import write_inventory
from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

FQDN = "nestjs-playground-api.example.com"
REMOVE = object()


@pytest.fixture(scope="module")
def world(ansible, tmp_path_factory):
    lz = landing_zone(ansible, tmp_path_factory.mktemp("landing-zone"))
    ec2 = ansible.client("ec2")
    lone_vpc, _ = vpc_with_subnets(ec2, 50, "a")
    other_cert = ansible.client("acm").request_certificate(DomainName="other.example.com", ValidationMethod="DNS")
    return {
        "base": dict(lz, environment_name="dev"),
        "lone_vpc": lone_vpc,
        "other_cert": other_cert["CertificateArn"],
        "west_cert": lz["certificate_arn"].replace(":us-east-1:", ":us-west-2:"),
        "tmp": tmp_path_factory,
    }


CASES = {
    "no vpc_id": (
        {"vpc_id": REMOVE},
        ["vpc_id is not set", "set it in the inventory (group_vars) or with -e vpc_id=", "vpc-0123456789abcdef0"],
    ),
    "vpc_id left as the inventory's placeholder": (
        {"vpc_id": "REPLACE_WITH_EXISTING_VPC_ID"},
        ["vpc_id 'REPLACE_WITH_EXISTING_VPC_ID' is not valid", "the id of the existing VPC to import"],
    ),
    "no certificate_arn and no hosted_zone_id": (
        {"certificate_arn": REMOVE, "hosted_zone_id": ""},
        ["certificate_arn is not set", "hosted_zone_id is not set"],
    ),
    "a VPC that does not exist": (
        {"vpc_id": "vpc-0123456789abcdef0"},
        ["vpc_id 'vpc-0123456789abcdef0' does not exist in region us-east-1"],
    ),
    "a VPC with one private subnet": (
        {"vpc_id": "{lone_vpc}"},
        ["vpc_id '{lone_vpc}' has 1 private subnet(s) in 1 availability zone(s)", "at least 2 availability zones"],
    ),
    "a zone name that does not match the zone": (
        {"hosted_zone_name": "example.org"},
        ["hosted_zone_name 'example.org' does not match hosted zone", "whose name is 'example.com'",
         "set hosted_zone_name to 'example.com'"],
    ),
    "a certificate that does not cover the domain": (
        {"certificate_arn": "{other_cert}"},
        [f"covers other.example.com but not '{FQDN}'", f"use a certificate for '{FQDN}' or '*.example.com'"],
    ),
    "a certificate from another region": (
        {"certificate_arn": "{west_cert}"},
        ["is in region us-west-2, but this environment deploys to us-east-1"],
    ),
    "a missing JWT parameter": (
        {"jwt_secret_parameter_name": "/nestjs-playground/missing-jwt-secret"},
        ["SSM parameter '/nestjs-playground/missing-jwt-secret' does not exist",
         'aws ssm put-parameter --name "/nestjs-playground/missing-jwt-secret" --type "SecureString"'],
    ),
    "every problem at once": (
        {"vpc_id": "{lone_vpc}", "hosted_zone_name": "example.org", "jwt_secret_parameter_name": "/x/jwt"},
        ["1 private subnet(s) in 1 availability zone(s)", "hosted_zone_name 'example.org' does not match",
         "SSM parameter '/x/jwt' does not exist"],
    ),
}


def host_vars(world, overrides):
    variables = dict(world["base"])
    for name, value in overrides.items():
        if value is REMOVE:
            variables.pop(name, None)
        else:
            variables[name] = value.format(**world)
    return variables


@pytest.fixture(scope="module")
def network_runs(world, ansible):
    """Every case above in one site.yml run: each is a deployment (a host) of its own, which the network
    lookup checks alone, as it checks the one deployment of a user's inventory."""
    hosts = {case: f"bad-network-{index:02d}" for index, case in enumerate(CASES)}
    inventory = write_inventory(world["tmp"].mktemp("inventory"),
                                hosts={hosts[case]: host_vars(world, overrides) for case, (overrides, _) in CASES.items()})
    run = ansible.playbook("site.yml", inventory)
    assert set(run.stats) == set(hosts.values()), run   # every case's deployment ran
    return {case: HostRun(run, host) for case, host in hosts.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_network_input_fails_clearly_before_anything_is_created(case, network_runs, world, ansible):
    run = network_runs[case]

    assert run.rc != 0, run
    message = run.failure()
    for fragment in CASES[case][1]:
        assert fragment.format(**world) in message
    assert ansible.client("ecr").describe_repositories()["repositories"] == []


EXPIRY_CASES = [
    (0, "ecr_untagged_image_expiry_days '0' is not valid: it must be a whole number of days, at least 1"),
    (-3, "ecr_untagged_image_expiry_days '-3' is not valid: it must be a whole number of days, at least 1"),
    ("two weeks", "ecr_untagged_image_expiry_days 'two weeks' is not valid: it must be a whole number"),
]


@pytest.fixture(scope="module")
def expiry_runs(world, ansible):
    """The bad expiries, one deployment each, in one ``--tags ecr`` run."""
    hosts = {days: f"bad-expiry-{index}" for index, (days, _) in enumerate(EXPIRY_CASES)}
    inventory = write_inventory(world["tmp"].mktemp("inventory"),
                                hosts={host: dict(world["base"], ecr_untagged_image_expiry_days=days) for days, host in hosts.items()})
    run = ansible.playbook("site.yml", inventory, args=["--tags", "ecr"])
    assert set(run.stats) == set(hosts.values()), run
    return {days: HostRun(run, host) for days, host in hosts.items()}


@pytest.mark.parametrize(("days", "expected"), EXPIRY_CASES)
def test_a_bad_image_expiry_fails_clearly_and_creates_nothing(days, expected, expiry_runs, ansible):
    run = expiry_runs[days]

    assert run.rc != 0, run
    assert expected in run.failure()
    assert ansible.client("ecr").describe_repositories()["repositories"] == []


def test_credentials_of_another_account_fail_clearly_before_anything_is_created(world, ansible):
    inventory = write_inventory(world["tmp"].mktemp("inventory"), dict(world["base"], aws_account_id="210987654321"))

    run = ansible.playbook("site.yml", inventory)

    assert run.rc != 0, run
    assert "aws_account_id '210987654321' is not the account of the credentials in use (123456789012)" in run.failure()
    assert ansible.client("ecr").describe_repositories()["repositories"] == []
