import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.imported_network_info import (
    account_problems,
    arn_region,
    certificate_problems,
    classify_subnets,
    name_covers,
    normalise_zone_id,
    parameter_problems,
    partition_of,
    route_table_for,
    stack_problems,
    routes_to_internet_gateway,
    subnet_problems,
    zone_problems,
)
from ansible_collections.nestjs_playground.infra.plugins.module_utils.deployment import LIVE_STACK_STATUSES
from ansible_collections.nestjs_playground.infra.plugins.modules.imported_network_info import NetworkReader
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

REGION = "us-east-1"
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000000"
FQDN = "nestjs-playground-api.example.com"
FROM = "domain_name 'nestjs-playground-api' + hosted_zone_name 'example.com'"

LOCAL = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
IGW = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0abc", "State": "active"}
NAT = {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0abc", "State": "active"}
PUBLIC_TABLE = {"RouteTableId": "rtb-public", "Routes": [LOCAL, IGW], "Associations": [{"SubnetId": "subnet-pub-a"}, {"SubnetId": "subnet-pub-b"}]}
MAIN_TABLE = {"RouteTableId": "rtb-main", "Routes": [LOCAL, NAT], "Associations": [{"Main": True}]}


def subnet(subnet_id, zone, cidr):
    return {"SubnetId": subnet_id, "AvailabilityZone": zone, "CidrBlock": cidr}


def cert(status="ISSUED", domain="*.example.com", sans=None):
    return {"status": status, "domain_name": domain, "subject_alternative_names": [domain] if sans is None else sans}


# route tables ----------------------------------------------------------------------------------

@pytest.mark.parametrize("tables", [[MAIN_TABLE, PUBLIC_TABLE], [PUBLIC_TABLE, MAIN_TABLE]], ids=["main-first", "main-last"])
def test_route_table_for_prefers_the_explicit_association_over_the_main_table(tables):
    assert route_table_for("subnet-pub-b", tables) is PUBLIC_TABLE


def test_route_table_for_falls_back_to_the_main_table():
    assert route_table_for("subnet-other", [PUBLIC_TABLE, MAIN_TABLE]) is MAIN_TABLE


def test_route_table_for_is_none_without_association_or_main_table():
    assert route_table_for("subnet-other", [PUBLIC_TABLE, {"RouteTableId": "rtb-x", "Routes": []}]) is None


@pytest.mark.parametrize(
    "routes, expected",
    [
        ([LOCAL, IGW], True),
        ([LOCAL, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0abc"}], True),
        ([LOCAL, NAT], False),
        ([LOCAL, dict(IGW, State="blackhole")], False),
        ([LOCAL], False),
        ([{"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-0abc", "State": "active"}], False),
    ],
    ids=["igw", "igw-no-state", "nat", "igw-blackhole", "local-only", "vpc-endpoint"],
)
def test_routes_to_internet_gateway_only_for_an_active_igw_route(routes, expected):
    assert routes_to_internet_gateway({"Routes": routes}) is expected


def test_routes_to_internet_gateway_of_no_table_is_false():
    assert routes_to_internet_gateway(None) is False


# classify_subnets ------------------------------------------------------------------------------

def test_classify_subnets_orders_by_zone_then_numeric_cidr_and_flags_public_by_table():
    subnets = [
        subnet("subnet-priv-b", "us-east-1b", "10.0.3.0/24"),
        subnet("subnet-priv-a10", "us-east-1a", "10.0.10.0/24"),
        subnet("subnet-pub-b", "us-east-1b", "10.0.1.0/24"),
        subnet("subnet-priv-a2", "us-east-1a", "10.0.2.0/24"),
        subnet("subnet-pub-a", "us-east-1a", "10.0.0.0/24"),
    ]
    result = classify_subnets(subnets, [PUBLIC_TABLE, MAIN_TABLE])
    assert [(s["subnet_id"], s["public"]) for s in result] == [
        ("subnet-pub-a", True),
        ("subnet-priv-a2", False),
        ("subnet-priv-a10", False),
        ("subnet-pub-b", True),
        ("subnet-priv-b", False),
    ]
    assert result[0] == {"subnet_id": "subnet-pub-a", "availability_zone": "us-east-1a", "cidr_block": "10.0.0.0/24", "public": True}


def test_classify_subnets_handles_an_ipv6_only_subnet_next_to_an_ipv4_subnet_in_one_zone():
    # describe_subnets returns no CidrBlock for an IPv6-only subnet (Ipv6Native: true).
    subnets = [
        subnet("subnet-v4", "us-east-1a", "10.0.1.0/24"),
        {"SubnetId": "subnet-v6", "AvailabilityZone": "us-east-1a", "Ipv6Native": True},
    ]
    result = classify_subnets(subnets, [MAIN_TABLE])
    assert sorted(s["subnet_id"] for s in result) == ["subnet-v4", "subnet-v6"]


# names, ids, ARNs ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "pattern, fqdn, expected",
    [
        ("*.example.com", "api.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.api.example.com", False),
        ("*.example.com", ".example.com", False),
        ("*.example.com", "api.example.org", False),
        ("*.Example.COM", "API.example.com", True),
        ("*.example.com.", "api.example.com", True),
        ("*.example.com", "api.example.com.", True),
        ("api.example.com", "API.Example.com.", True),
        ("api.example.com", "www.example.com", False),
        ("example.com", "api.example.com", False),
    ],
)
def test_name_covers_wildcard_is_one_label_and_comparison_ignores_case_and_trailing_dot(pattern, fqdn, expected):
    assert name_covers(pattern, fqdn) is expected


@pytest.mark.parametrize("zone_id", ["/hostedzone/Z123", "Z123", "hostedzone/Z123"])
def test_normalise_zone_id_strips_the_hostedzone_prefix(zone_id):
    assert normalise_zone_id(zone_id) == "Z123"


@pytest.mark.parametrize(
    "arn, expected",
    [
        (ARN, "us-east-1"),
        ("arn:aws:acm:eu-west-1:123456789012:certificate/abc", "eu-west-1"),
        ("arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/abc", "us-gov-west-1"),
        ("not-an-arn", None),
        ("arn:aws:acm:us-east-1", None),
        ("xrn:aws:acm:us-east-1:123456789012:certificate/abc", None),
    ],
)
def test_arn_region_reads_the_fourth_field_of_a_well_formed_arn(arn, expected):
    assert arn_region(arn) == expected


# subnet_problems -------------------------------------------------------------------------------

def classified(*rows):
    return [{"subnet_id": i, "availability_zone": z, "cidr_block": "", "public": p} for i, z, p in rows]


def test_subnet_problems_reports_private_subnets_in_too_few_zones():
    subnets = classified(("subnet-1", "us-east-1a", False), ("subnet-2", "us-east-1a", False), ("subnet-3", "us-east-1b", True))
    problems = subnet_problems("vpc-0123", subnets, 2)
    assert len(problems) == 1
    assert "vpc-0123" in problems[0]
    assert "2 private subnet(s) in 1 availability zone(s)" in problems[0]
    assert "subnet-1 (us-east-1a)" in problems[0] and "subnet-3" not in problems[0]


def test_subnet_problems_without_private_subnets_says_none():
    problems = subnet_problems("vpc-0123", classified(("subnet-3", "us-east-1b", True)), 2)
    assert len(problems) == 1 and "0 private subnet(s) in 0 availability zone(s) [none]" in problems[0]


def test_subnet_problems_accepts_private_subnets_in_enough_zones():
    subnets = classified(("subnet-1", "us-east-1a", False), ("subnet-2", "us-east-1b", False))
    assert subnet_problems("vpc-0123", subnets, 2) == []


# zone_problems ---------------------------------------------------------------------------------

def test_zone_problems_reports_a_missing_zone_by_id_and_wanted_name():
    problems = zone_problems("Z123", "example.com", None)
    assert len(problems) == 1 and "Z123" in problems[0] and "does not exist" in problems[0] and "example.com" in problems[0]


def test_zone_problems_reports_a_name_mismatch_naming_both_names():
    problems = zone_problems("Z123", "example.com", "other.org")
    assert len(problems) == 1
    assert "hosted_zone_name 'example.com'" in problems[0] and "'other.org'" in problems[0] and "Z123" in problems[0]


@pytest.mark.parametrize("wanted", ["example.com", "Example.COM", "example.com.", None])
def test_zone_problems_accepts_a_match_ignoring_case_and_trailing_dot(wanted):
    assert zone_problems("Z123", wanted, "example.com") == []


# certificate_problems --------------------------------------------------------------------------

def test_certificate_problems_reports_a_certificate_of_another_region_naming_both():
    arn = ARN.replace("us-east-1", "eu-west-1")
    problems = certificate_problems(arn, None, REGION, FQDN, FROM)
    assert len(problems) == 1 and "eu-west-1" in problems[0] and "us-east-1" in problems[0]


def test_certificate_problems_reports_a_missing_certificate():
    problems = certificate_problems(ARN, None, REGION, FQDN, FROM)
    assert len(problems) == 1 and "does not exist" in problems[0] and ARN in problems[0]


def test_certificate_problems_reports_a_certificate_that_is_not_issued():
    problems = certificate_problems(ARN, cert(status="PENDING_VALIDATION"), REGION, FQDN, FROM)
    assert len(problems) == 1 and "PENDING_VALIDATION" in problems[0] and "ISSUED" in problems[0]


def test_certificate_problems_reports_a_certificate_that_does_not_cover_the_fqdn():
    problems = certificate_problems(ARN, cert(domain="www.example.com"), REGION, FQDN, FROM)
    assert len(problems) == 1
    assert f"'{FQDN}'" in problems[0] and "www.example.com" in problems[0] and FROM in problems[0]


def test_certificate_problems_reports_both_status_and_coverage():
    problems = certificate_problems(ARN, cert(status="EXPIRED", domain="www.example.com"), REGION, FQDN, FROM)
    assert len(problems) == 2


@pytest.mark.parametrize(
    "certificate",
    [cert(), cert(domain="example.com", sans=["example.com", "*.example.com"]), cert(domain=FQDN, sans=[])],
    ids=["wildcard", "wildcard-in-sans", "exact-domain-no-sans"],
)
def test_certificate_problems_accepts_an_issued_certificate_covering_the_fqdn(certificate):
    assert certificate_problems(ARN, certificate, REGION, FQDN, FROM) == []


def test_certificate_problems_skips_coverage_without_an_fqdn():
    assert certificate_problems(ARN, cert(domain="www.other.org"), REGION, None, FROM) == []


@pytest.mark.parametrize("arn", ["not-an-arn", "arn:aws:acm:us-east-1"])
def test_certificate_problems_reports_a_malformed_arn(arn):
    problems = certificate_problems(arn, None, REGION, FQDN, FROM)
    assert len(problems) == 1 and "is not an ACM certificate ARN" in problems[0]


def test_certificate_problems_reports_a_non_acm_arn_as_not_an_acm_certificate_arn():
    # An IAM server certificate ARN has an empty region field; it is not an ACM ARN at all.
    arn = "arn:aws:iam::123456789012:server-certificate/api"
    problems = certificate_problems(arn, None, REGION, FQDN, FROM)
    assert len(problems) == 1 and "is not an ACM certificate ARN" in problems[0]


# parameter_problems ----------------------------------------------------------------------------

def test_parameter_problems_gives_the_put_parameter_command_for_each_missing_parameter():
    problems = parameter_problems(["/nestjs-playground/jwt-secret", "/present"], {"/present"})
    assert len(problems) == 1
    assert "'/nestjs-playground/jwt-secret'" in problems[0]
    assert 'aws ssm put-parameter --name "/nestjs-playground/jwt-secret" --type "SecureString"' in problems[0]


@pytest.mark.parametrize("required, existing", [(["/a", "/b"], {"/a", "/b", "/c"}), ([], set())])
def test_parameter_problems_is_empty_when_every_parameter_exists(required, existing):
    assert parameter_problems(required, existing) == []


@pytest.mark.parametrize(("expected", "actual", "problems"), [
    (None, "123456789012", 0),
    ("", "123456789012", 0),
    ("123456789012", "123456789012", 0),
    ("210987654321", "123456789012", 1),
])
def test_account_problems_name_both_accounts_when_they_differ(expected, actual, problems):
    found = account_problems(expected, actual)
    assert len(found) == problems
    if problems:
        assert f"aws_account_id '{expected}'" in found[0] and actual in found[0]


@pytest.mark.parametrize(("arn", "partition"), [
    ("arn:aws:sts::123456789012:assumed-role/deployer/awx", "aws"),
    ("arn:aws-us-gov:sts::123456789012:assumed-role/deployer/awx", "aws-us-gov"),
    ("arn:aws-cn:iam::123456789012:user/ci", "aws-cn"),
])
def test_the_partition_is_read_from_the_arn_of_the_credentials(arn, partition):
    assert partition_of(arn) == partition


# CloudFormation stacks of the CDK app (issue 21) -----------------------------------------------

COMPUTE = {"name": "app-dev-compute", "status": "UPDATE_COMPLETE", "resources": [
    {"type": "AWS::ECS::Cluster", "logical_id": "Cluster", "physical_id": "app-dev"},
    {"type": "AWS::EC2::SecurityGroupIngress", "logical_id": "Ingress", "physical_id": ""},
]}


def test_stack_problems_are_none_without_stacks():
    assert stack_problems([]) == []


def test_stack_problems_name_each_stack_its_status_and_each_resource_then_the_takeover():
    problems = stack_problems([COMPUTE, {"name": "app-dev-network", "status": "CREATE_COMPLETE", "resources": []}])
    assert problems[0] == ("CloudFormation stack app-dev-compute (UPDATE_COMPLETE) owns: AWS::ECS::Cluster Cluster = app-dev; "
                           "AWS::EC2::SecurityGroupIngress Ingress.")
    assert problems[1] == "CloudFormation stack app-dev-network (CREATE_COMPLETE) owns: no resource."
    assert len(problems) == 3
    assert problems[2].startswith("Nothing was changed.")
    assert "playbooks/adopt_cdk.yml" in problems[2] and "cdk_stack_names" in problems[2]


NAMES = ["app-dev-network", "app-dev-database", "app-dev-ecr", "app-dev-compute", "app-dev-scheduled-task"]
WHEN = "2026-12-04T10:00:00Z"


def summary(name, status="CREATE_COMPLETE"):
    return {"StackName": name, "StackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{name}/1", "StackStatus": status,
            "CreationTime": WHEN}


def test_the_stacks_cost_one_list_stacks_call_when_none_of_them_exists():
    module = FakeModule()
    stubber = module.stubber("cloudformation")
    stubber.add_response("list_stacks", {"StackSummaries": [summary("someone-elses-stack")]},
                         {"StackStatusFilter": LIVE_STACK_STATUSES})
    with stubber:
        assert NetworkReader(module).stacks(NAMES) == []
    stubber.assert_no_pending_responses()


def test_the_stacks_found_are_read_with_their_resources_in_the_order_of_the_names():
    module = FakeModule()
    stubber = module.stubber("cloudformation")
    stubber.add_response("list_stacks", {"StackSummaries": [summary("app-dev-compute", "UPDATE_COMPLETE"), summary("app-dev-network")]},
                         {"StackStatusFilter": LIVE_STACK_STATUSES})
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": []}, {"StackName": summary("app-dev-network")["StackId"]})
    stubber.add_response("list_stack_resources", {"StackResourceSummaries": [
        {"ResourceType": "AWS::ECS::Cluster", "LogicalResourceId": "Cluster", "PhysicalResourceId": "app-dev",
         "LastUpdatedTimestamp": WHEN, "ResourceStatus": "CREATE_COMPLETE"},
        {"ResourceType": "AWS::EC2::SecurityGroupIngress", "LogicalResourceId": "Ingress",
         "LastUpdatedTimestamp": WHEN, "ResourceStatus": "CREATE_COMPLETE"}]}, {"StackName": summary("app-dev-compute")["StackId"]})
    with stubber:
        stacks = NetworkReader(module).stacks(NAMES)
    assert stacks == [
        {"name": "app-dev-network", "status": "CREATE_COMPLETE", "resources": []},
        {"name": "app-dev-compute", "status": "UPDATE_COMPLETE",
         "resources": [{"type": "AWS::ECS::Cluster", "logical_id": "Cluster", "physical_id": "app-dev"},
                       {"type": "AWS::EC2::SecurityGroupIngress", "logical_id": "Ingress", "physical_id": ""}]},
    ]


def test_no_stack_names_make_no_call():
    assert NetworkReader(FakeModule()).stacks([]) == []
