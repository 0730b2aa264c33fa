import botocore.session
import pytest
from botocore.stub import Stubber

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import SecurityGroup
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import SecurityGroups
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import desired_rules
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import permission
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import plan_rules
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import rules_after
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import rules_from_permissions
from ansible_collections.nestjs_playground.infra.plugins.modules.security_group import sort_key
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule as RunModule


def entry(**kwargs):
    """One ingress entry as Ansible hands it over: every suboption present, unset ones None."""
    base = {"protocol": "tcp", "ports": None, "cidr_ipv4": None, "cidr_ipv6": None, "source_group_id": None,
            "source_group_name": None, "source_group_description": None, "description": None}
    base.update(kwargs)
    return base


def tcp(port, description=None, **source):
    return dict({"protocol": "tcp", "from_port": port, "to_port": port}, **source, description=description)


WEB = [
    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
     "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
     "UserIdGroupPairs": [], "PrefixListIds": []},
    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
     "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}, {"CidrIp": "10.0.0.0/8"}],
     "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123456789012", "Description": "lb"}]},
]


def test_aws_permissions_become_one_rule_per_port_range_and_source_sorted():
    assert rules_from_permissions(WEB) == [
        tcp(80, "web", cidr_ipv4="0.0.0.0/0"),
        tcp(443, "web", cidr_ipv4="0.0.0.0/0"),
        tcp(80, cidr_ipv4="10.0.0.0/8"),
        tcp(443, cidr_ipv6="::/0"),
        tcp(80, "lb", group_id="sg-1"),
    ]


def test_a_rule_of_every_protocol_has_no_ports_and_a_prefix_list_is_a_source():
    rules = rules_from_permissions([{"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": "pl-1"}]}])
    assert rules == [{"protocol": "-1", "prefix_list_id": "pl-1", "description": None}]


def test_each_port_asked_is_a_rule_and_a_group_name_resolves_to_its_id():
    ingress = [entry(ports=[80, 443], cidr_ipv4="0.0.0.0/0", description="web"),
               entry(ports=[3000], source_group_name="lb", description="app")]
    assert desired_rules(ingress, {"lb": "sg-1"}) == [
        tcp(80, "web", cidr_ipv4="0.0.0.0/0"), tcp(443, "web", cidr_ipv4="0.0.0.0/0"), tcp(3000, "app", group_id="sg-1")]


def test_a_group_that_does_not_exist_yet_is_named_by_its_name():
    assert desired_rules([entry(ports=[5432], source_group_name="app")], {"app": None}) == [
        tcp(5432, group_name="app")]


def test_the_same_rule_asked_twice_is_one_rule():
    ingress = [entry(ports=[80, 80], cidr_ipv4="0.0.0.0/0"), entry(ports=[80], cidr_ipv4="0.0.0.0/0")]
    assert desired_rules(ingress, {}) == [tcp(80, cidr_ipv4="0.0.0.0/0")]


def test_the_same_rules_change_nothing():
    current = rules_from_permissions(WEB)
    assert plan_rules(current, list(reversed(current)), True) == ([], [], [])


def test_a_new_rule_is_authorized_and_one_not_asked_is_revoked_only_with_purge():
    current = [tcp(80, cidr_ipv4="0.0.0.0/0"), tcp(22, cidr_ipv4="203.0.113.0/24")]
    desired = [tcp(80, cidr_ipv4="0.0.0.0/0"), tcp(443, cidr_ipv4="0.0.0.0/0")]
    assert plan_rules(current, desired, True) == ([tcp(443, cidr_ipv4="0.0.0.0/0")], [tcp(22, cidr_ipv4="203.0.113.0/24")], [])
    assert plan_rules(current, desired, False) == ([tcp(443, cidr_ipv4="0.0.0.0/0")], [], [])
    assert rules_after(current, desired, True) == desired
    assert rules_after(current, desired, False) == [tcp(80, cidr_ipv4="0.0.0.0/0"), tcp(443, cidr_ipv4="0.0.0.0/0"),
                                                    tcp(22, cidr_ipv4="203.0.113.0/24")]


def test_another_description_is_updated_not_revoked_and_authorized_again():
    current = [tcp(80, "old", cidr_ipv4="0.0.0.0/0")]
    desired = [tcp(80, "new", cidr_ipv4="0.0.0.0/0")]
    assert plan_rules(current, desired, True) == ([], [], desired)
    assert rules_after(current, desired, True) == desired


def test_a_rule_to_a_group_that_does_not_exist_yet_is_always_new():
    current = [tcp(5432, group_id="sg-1")]
    assert plan_rules(current, [tcp(5432, group_name="app")], True) == ([tcp(5432, group_name="app")], current, [])


def test_a_rule_becomes_the_ip_permission_aws_takes():
    assert permission(tcp(80, "web", cidr_ipv4="0.0.0.0/0")) == {
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}]}
    assert permission(tcp(443, cidr_ipv6="::/0")) == {
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    assert permission({"protocol": "-1", "group_id": "sg-1", "description": None}) == {
        "IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}


def test_permissions_read_back_are_the_rules_that_made_them():
    rules = [tcp(443, "web", cidr_ipv4="0.0.0.0/0"), tcp(5432, group_id="sg-1"), tcp(80, cidr_ipv6="::/0")]
    assert rules_from_permissions([permission(rule) for rule in rules]) == sorted(rules, key=sort_key)


class Failed(Exception):
    pass


class FakeModule:
    """What SecurityGroups needs of AnsibleAWSModule: a client (here stubbed) and fail_json_aws."""

    def __init__(self, client):
        self._client = client

    def client(self, _service, retry_decorator=None):
        return self._client

    def fail_json_aws(self, error, msg):
        raise Failed(f"{msg}: {error}")


def stubbed_groups():
    client = botocore.session.get_session().create_client("ec2", region_name="us-east-1", aws_access_key_id="k",
                                                          aws_secret_access_key="s")
    stubber = Stubber(client)
    return SecurityGroups(FakeModule(client)), stubber


def test_a_rule_another_run_authorized_meanwhile_is_left_and_the_others_are_authorized_one_by_one():
    groups, stubber = stubbed_groups()
    web, tls = tcp(80, cidr_ipv4="0.0.0.0/0"), tcp(443, cidr_ipv4="0.0.0.0/0")
    stubber.add_client_error("authorize_security_group_ingress", "InvalidPermission.Duplicate",
                             expected_params={"GroupId": "sg-1", "IpPermissions": [permission(web), permission(tls)]})
    stubber.add_response("authorize_security_group_ingress", {"Return": True},
                         expected_params={"GroupId": "sg-1", "IpPermissions": [permission(tls)]})
    stubber.add_client_error("authorize_security_group_ingress", "InvalidPermission.Duplicate",
                             expected_params={"GroupId": "sg-1", "IpPermissions": [permission(web)]})
    with stubber:
        groups.change_rules("sg-1", [web, tls], [], [])
    stubber.assert_no_pending_responses()


def test_a_rule_is_revoked_without_its_description_and_one_gone_meanwhile_is_no_error():
    groups, stubber = stubbed_groups()
    stubber.add_client_error("revoke_security_group_ingress", "InvalidPermission.NotFound", expected_params={
        "GroupId": "sg-1", "IpPermissions": [permission(tcp(22, cidr_ipv4="203.0.113.0/24"))]})
    with stubber:
        groups.change_rules("sg-1", [], [tcp(22, "added by hand", cidr_ipv4="203.0.113.0/24")], [])
    stubber.assert_no_pending_responses()


def test_any_other_refusal_fails_the_task_with_the_group_named():
    groups, stubber = stubbed_groups()
    stubber.add_client_error("update_security_group_rule_descriptions_ingress", "InvalidPermission.NotFound")
    with stubber, pytest.raises(Failed, match="Unable to change the ingress rules of security group sg-1"):
        groups.change_rules("sg-1", [], [], [tcp(80, "web", cidr_ipv4="0.0.0.0/0")])


def group_module(**params):
    """A module whose parameters ask for the group db of vpc-1, with its warnings kept."""
    module = RunModule(dict({"name": "db", "vpc_id": "vpc-1", "description": "the database", "state": "present", "ingress": None,
                             "purge_ingress": True, "tags": None, "purge_tags": True}, **params))
    module.warnings = []
    module.warn = module.warnings.append
    return module


def described(*groups):
    return {"SecurityGroups": [{"GroupName": name, "GroupId": group_id, "Description": "the database", "VpcId": "vpc-1",
                                "IpPermissions": [], "Tags": []} for name, group_id in groups]}


def test_a_group_another_run_created_meanwhile_is_described_again_and_converged():
    module = group_module(ingress=[entry(ports=[443], cidr_ipv4="0.0.0.0/0")])
    group = SecurityGroup(module)
    with module.stubber("ec2") as stubber:
        stubber.add_response("describe_security_groups", described())
        stubber.add_client_error("create_security_group", "InvalidGroup.Duplicate")
        stubber.add_response("describe_security_groups", described(("db", "sg-9")))
        stubber.add_response("authorize_security_group_ingress", {"Return": True}, expected_params={
            "GroupId": "sg-9", "IpPermissions": [permission(tcp(443, cidr_ipv4="0.0.0.0/0"))]})
        result = run(module, group, "security_group")
        stubber.assert_no_pending_responses()
    assert result["changed"] is True and result["security_group"]["group_id"] == "sg-9"
    assert any("created by another run" in warning for warning in module.warnings)


def test_a_group_the_rules_name_is_created_and_named_by_its_new_id_in_the_result_and_the_diff():
    module = group_module(ingress=[entry(ports=[5432], source_group_name="app", source_group_description="the application")])
    group = SecurityGroup(module)
    with module.stubber("ec2") as stubber:
        stubber.add_response("describe_security_groups", described(("db", "sg-1")))
        stubber.add_response("create_security_group", {"GroupId": "sg-2"}, expected_params={
            "GroupName": "app", "Description": "the application", "VpcId": "vpc-1"})
        stubber.add_response("authorize_security_group_ingress", {"Return": True}, expected_params={
            "GroupId": "sg-1", "IpPermissions": [permission(tcp(5432, group_id="sg-2"))]})
        result = run(module, group, "security_group")
        stubber.assert_no_pending_responses()
    assert result["security_group"]["ingress"] == result["diff"]["after"]["ingress"] == [tcp(5432, group_id="sg-2")]


def test_a_group_deleted_meanwhile_is_no_error():
    module = group_module(state="absent")
    group = SecurityGroup(module)
    with module.stubber("ec2") as stubber:
        stubber.add_response("describe_security_groups", described(("db", "sg-1")))
        stubber.add_client_error("delete_security_group", "InvalidGroup.NotFound", expected_params={"GroupId": "sg-1"})
        assert run(module, group, "security_group")["changed"] is True
        stubber.assert_no_pending_responses()
