from ansible_collections.nestjs_playground.infra.plugins.modules.route53_alias_record import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.route53_alias_record import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.route53_alias_record import fqdn
from ansible_collections.nestjs_playground.infra.plugins.modules.route53_alias_record import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.route53_alias_record import record_set

PARAMS = {"alias_dns_name": "App-Dev-ALB-123.us-east-1.elb.amazonaws.com", "alias_hosted_zone_id": "Z35SXDOTRQ7X7K",
          "evaluate_target_health": False}


def listed(dns_name="app-dev-alb-123.us-east-1.elb.amazonaws.com.", zone="Z35SXDOTRQ7X7K", health=False):
    """Shaped like a ListResourceRecordSets entry."""
    return {"Name": "api.example.com.", "Type": "A",
            "AliasTarget": {"DNSName": dns_name, "HostedZoneId": zone, "EvaluateTargetHealth": health}}


def test_names_are_compared_as_route53_lists_them():
    assert fqdn("API.Example.com") == "api.example.com." == fqdn("api.example.com.")


def test_a_missing_record_is_created():
    decision = plan(desired_state(PARAMS), None)
    assert decision["changed"] and decision["before"] == {}
    assert decision["after"]["alias_dns_name"] == "app-dev-alb-123.us-east-1.elb.amazonaws.com"


def test_the_same_alias_in_another_case_with_a_dot_or_dualstack_changes_nothing():
    for dns_name in ("app-dev-alb-123.us-east-1.elb.amazonaws.com.", "dualstack.APP-dev-alb-123.us-east-1.elb.amazonaws.com."):
        assert not plan(desired_state(PARAMS), current_state(listed(dns_name)))["changed"]


def test_another_target_zone_or_health_setting_is_replaced():
    assert plan(desired_state(PARAMS), current_state(listed("other-alb.us-east-1.elb.amazonaws.com.")))["changed"]
    assert plan(desired_state(PARAMS), current_state(listed(zone="Z1")))["changed"]
    assert plan(desired_state(PARAMS), current_state(listed(health=True)))["changed"]


def test_a_record_of_plain_addresses_is_replaced_and_shown():
    current = current_state({"Name": "api.example.com.", "Type": "A", "ResourceRecords": [{"Value": "192.0.2.2"}, {"Value": "192.0.2.1"}]})
    decision = plan(desired_state(PARAMS), current)
    assert decision["changed"] and decision["before"] == {"values": ["192.0.2.1", "192.0.2.2"]}


def test_the_upsert_sends_the_target_as_given():
    assert record_set("api.example.com.", "A", PARAMS)["AliasTarget"] == {
        "DNSName": PARAMS["alias_dns_name"], "HostedZoneId": "Z35SXDOTRQ7X7K", "EvaluateTargetHealth": False}
