import copy

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import MISSING
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
from ansible_collections.nestjs_playground.infra.plugins.modules.application_load_balancer import LoadBalancer
from ansible_collections.nestjs_playground.infra.plugins.modules.application_load_balancer import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.application_load_balancer import deletion_plan
from ansible_collections.nestjs_playground.infra.plugins.modules.application_load_balancer import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.application_load_balancer import plan
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nestjs-playground-dev/50dc6c495c0c9188"
SUBNETS = ["subnet-0bbbbbbbbbbbbbbbb", "subnet-0aaaaaaaaaaaaaaaa"]
SG = "sg-0123456789abcdef0"
SG2 = "sg-0fedcba9876543210"
TAGS = {"App": "nestjs-playground", "Env": "dev"}

# describe_load_balancers as real AWS returns it.
AWS_BALANCER = {
    "LoadBalancerArn": ARN,
    "DNSName": "nestjs-playground-dev-1234567890.us-east-1.elb.amazonaws.com",
    "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K",
    "CreatedTime": "2026-11-01T00:00:00Z",
    "LoadBalancerName": "nestjs-playground-dev",
    "Scheme": "internet-facing",
    "VpcId": "vpc-0123456789abcdef0",
    "State": {"Code": "active"},
    "Type": "application",
    "AvailabilityZones": [
        {"ZoneName": "us-east-1b", "SubnetId": SUBNETS[0], "LoadBalancerAddresses": []},
        {"ZoneName": "us-east-1a", "SubnetId": SUBNETS[1], "LoadBalancerAddresses": []},
    ],
    "SecurityGroups": [SG],
    "IpAddressType": "ipv4",
}
# describe_load_balancer_attributes as real AWS returns it (abridged); the emulator returns no
# idle_timeout.timeout_seconds until it has been set.
AWS_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http2.enabled": "true",
}
MOTO_ATTRIBUTES = {"access_logs.s3.bucket": "", "access_logs.s3.prefix": "", "deletion_protection.enabled": "false",
                   "load_balancing.cross_zone.enabled": "false"}


def params(**overrides):
    base = {"scheme": "internet-facing", "subnets": list(SUBNETS), "security_groups": [SG], "ip_address_type": None,
            "idle_timeout": None, "deletion_protection": None}
    base.update(overrides)
    return base


def current(attributes=None, tags=None, **balancer):
    attributes = dict(AWS_ATTRIBUTES if attributes is None else attributes)
    return current_state(dict(copy.deepcopy(AWS_BALANCER), **balancer), attributes, dict(TAGS) if tags is None else tags)


def test_current_state_reads_identity_sets_and_typed_attributes():
    state = current()
    assert state["dns_name"].endswith(".elb.amazonaws.com") and state["canonical_hosted_zone_id"] == "Z35SXDOTRQ7X7K"
    assert state["subnets"] == sorted(SUBNETS)
    assert state["idle_timeout"] == 60 and state["deletion_protection"] is False


def test_current_state_marks_attributes_the_emulator_does_not_return_missing():
    assert current(attributes=MOTO_ATTRIBUTES)["idle_timeout"] is MISSING


def test_plan_is_a_no_op_when_subnets_and_groups_come_in_another_order():
    desired = desired_state(params(subnets=list(reversed(SUBNETS)), idle_timeout=60, deletion_protection=False))
    result = plan(desired, current(), TAGS, True)
    assert result["changed"] is False and result["fields"] == [] and result["attributes"] == {}
    assert result["before"] == result["after"]


def test_plan_an_idle_timeout_aws_did_not_return_is_not_a_difference():
    result = plan(desired_state(params(idle_timeout=120)), current(attributes=MOTO_ATTRIBUTES), TAGS, True)
    assert result["changed"] is False


@pytest.mark.parametrize(
    "overrides, fields, attributes",
    [
        ({"security_groups": [SG, SG2]}, ["security_groups"], {}),
        ({"subnets": SUBNETS[:1] + ["subnet-0cccccccccccccccc"]}, ["subnets"], {}),
        ({"ip_address_type": "dualstack"}, ["ip_address_type"], {}),
        ({"idle_timeout": 120}, [], {"idle_timeout.timeout_seconds": 120}),
        ({"deletion_protection": True}, [], {"deletion_protection.enabled": True}),
    ],
    ids=["security-groups", "subnets", "ip-address-type", "idle-timeout", "deletion-protection"],
)
def test_plan_writes_only_what_differs(overrides, fields, attributes):
    result = plan(desired_state(params(**overrides)), current(), TAGS, True)
    assert result["changed"] is True
    assert result["fields"] == fields and result["attributes"] == attributes
    assert result["replace"] == []


def test_plan_a_different_scheme_means_replace():
    result = plan(desired_state(params(scheme="internal")), current(), TAGS, True)
    assert result["replace"] == ["scheme"]


def test_plan_retags_only():
    result = plan(desired_state(params()), current(), {"App": "nestjs-playground", "Env": "qa"}, True)
    assert result["changed"] is True and result["fields"] == [] and result["attributes"] == {}
    assert result["tags_to_set"] == {"Env": "qa"} and result["tags_to_remove"] == []


def test_plan_create_fills_in_what_aws_gives_and_sets_only_non_default_attributes():
    result = plan(desired_state(params(idle_timeout=120, deletion_protection=False)), None, TAGS, True)
    assert result["create"] is True and result["changed"] is True
    assert result["fields"] == []
    assert result["attributes"] == {"idle_timeout.timeout_seconds": 120}
    assert result["after"] == {
        "scheme": "internet-facing", "subnets": sorted(SUBNETS), "security_groups": [SG], "ip_address_type": "ipv4",
        "idle_timeout": 120, "deletion_protection": False, "tags": TAGS,
    }


def test_plan_create_with_deletion_protection_sets_it_after_creation():
    result = plan(desired_state(params(deletion_protection=True)), None, None, True)
    assert result["attributes"] == {"deletion_protection.enabled": True}
    assert result["after"]["tags"] == {}


@pytest.mark.parametrize(
    "protected, asked, attributes, problem",
    [
        (False, None, {}, False),
        (True, False, {"deletion_protection.enabled": False}, False),
        (True, None, None, True),
        (True, True, None, True),
    ],
    ids=["unprotected", "protected-and-asked-off", "protected-not-asked", "protected-asked-on"],
)
def test_deletion_plan(protected, asked, attributes, problem):
    state = current(attributes=dict(AWS_ATTRIBUTES, **{"deletion_protection.enabled": str(protected).lower()}))
    got_attributes, got_problem = deletion_plan(state, asked)
    assert got_attributes == attributes
    assert (got_problem is not None) is problem
    if problem:
        assert "deletion_protection: false" in got_problem


def test_plan_does_not_mutate_current():
    state = current()
    snapshot = copy.deepcopy(state)
    plan(desired_state(params(security_groups=[SG2], idle_timeout=5)), state, {"X": "1"}, True)
    assert state == snapshot


def test_a_create_refused_because_another_run_made_the_name_meanwhile_is_planned_again():
    # AWS answers a second CreateLoadBalancer of a name with the same settings with the existing load balancer;
    # with other settings (another run's) with DuplicateLoadBalancerName: then run() describes and plans again.
    module = FakeModule(dict(params(), name="nestjs-playground-dev", tags=TAGS, purge_tags=True, wait=False))
    balancer = LoadBalancer(module)
    decision = plan(desired_state(module.params), None, TAGS, True)
    with module.stubber("elbv2") as stubber:
        stubber.add_client_error("create_load_balancer", service_error_code="DuplicateLoadBalancerName")
        assert balancer.apply(decision, None) is CHANGED_MEANWHILE
        stubber.assert_no_pending_responses()
