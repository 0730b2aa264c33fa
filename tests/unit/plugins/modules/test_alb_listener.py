import copy

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import DEFAULT_SSL_POLICY
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import Listener
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import action_problems
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import action_request
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import current_state
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import desired_action
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import normalize_action
from ansible_collections.nestjs_playground.infra.plugins.modules.alb_listener import plan
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import Failed
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nestjs-playground/50dc6c495c0c9188"
LISTENER = LB.replace(":loadbalancer/", ":listener/") + "/f2f7dc8efc522ab2"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nestjs-playground/73e2d6bc24d8a067"
TG2 = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nestjs-playground-2/943be7c9ad4c3e2d"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000001"
CERT2 = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000002"
CERT3 = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000003"

# What real AWS returns in describe_listeners for a redirect created with only Protocol, Port and
# StatusCode: the other fields are filled in with the request's own values.
AWS_REDIRECT_301 = {
    "Type": "redirect",
    "Order": 1,
    "RedirectConfig": {
        "Protocol": "HTTPS",
        "Port": "443",
        "Host": "#{host}",
        "Path": "/#{path}",
        "Query": "#{query}",
        "StatusCode": "HTTP_301",
    },
}
# What real AWS returns for a forward action created with TargetGroupArn: both shapes at once.
AWS_FORWARD = {
    "Type": "forward",
    "TargetGroupArn": TG,
    "Order": 1,
    "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": TG, "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": False},
    },
}
# What the emulator returns: the redirect exactly as sent, and a forward as sent.
MOTO_REDIRECT_301 = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
MOTO_FORWARD = {"Type": "forward", "TargetGroupArn": TG}


def redirect_spec(**overrides):
    spec = {"type": "redirect", "target_group_arn": None, "protocol": "HTTPS", "port": "443", "host": None,
            "path": None, "query": None, "status_code": "HTTP_301"}
    spec.update(overrides)
    return spec


def forward_spec(arn=TG):
    return {"type": "forward", "target_group_arn": arn, "protocol": None, "port": None, "host": None, "path": None,
            "query": None, "status_code": None}


def params(**overrides):
    base = {"protocol": "HTTP", "certificates": None, "ssl_policy": None, "default_action": redirect_spec()}
    base.update(overrides)
    return base


def https_params(**overrides):
    return params(**dict({"protocol": "HTTPS", "certificates": [CERT], "default_action": forward_spec()}, **overrides))


def aws_listener(protocol="HTTP", actions=(AWS_REDIRECT_301,), ssl_policy=None, certificates=None, port=80):
    listener = {
        "ListenerArn": LISTENER,
        "LoadBalancerArn": LB,
        "Port": port,
        "Protocol": protocol,
        "DefaultActions": copy.deepcopy(list(actions)),
    }
    if ssl_policy:
        listener["SslPolicy"] = ssl_policy
    if certificates:
        listener["Certificates"] = [{"CertificateArn": certificates[0]}]
    return listener


def listener_certificates(default, *others):
    """As describe_listener_certificates returns them."""
    return [{"CertificateArn": default, "IsDefault": True}] + [{"CertificateArn": c, "IsDefault": False} for c in others]


def https_current(actions=(AWS_FORWARD,), ssl_policy=DEFAULT_SSL_POLICY, certs=(CERT,), tags=None):
    listener = aws_listener("HTTPS", actions, ssl_policy, list(certs), port=443)
    return current_state(listener, listener_certificates(*certs), tags or {})


# Normalisation: the shapes real AWS and the emulator return -------------------------------------

@pytest.mark.parametrize(
    "stored, spec, same",
    [
        (AWS_REDIRECT_301, redirect_spec(), True),
        (MOTO_REDIRECT_301, redirect_spec(), True),
        (AWS_REDIRECT_301, redirect_spec(host="#{host}", path="/#{path}", query="#{query}"), True),
        (AWS_REDIRECT_301, redirect_spec(status_code="HTTP_302"), False),
        (MOTO_REDIRECT_301, redirect_spec(status_code="HTTP_302"), False),
        (AWS_REDIRECT_301, redirect_spec(host="www.example.com"), False),
        (AWS_REDIRECT_301, redirect_spec(path="/app"), False),
        (AWS_REDIRECT_301, redirect_spec(port="8443"), False),
        (AWS_REDIRECT_301, redirect_spec(protocol=None, port=None), False),
        (AWS_FORWARD, forward_spec(), True),
        (MOTO_FORWARD, forward_spec(), True),
        ({"Type": "forward", "ForwardConfig": AWS_FORWARD["ForwardConfig"]}, forward_spec(), True),
        (AWS_FORWARD, forward_spec(TG2), False),
        (AWS_FORWARD, redirect_spec(), False),
        (AWS_REDIRECT_301, forward_spec(), False),
    ],
    ids=[
        "aws-redirect-with-all-defaults-vs-minimal",
        "emulator-redirect-as-sent-vs-minimal",
        "aws-redirect-vs-defaults-spelled-out",
        "aws-redirect-301-vs-302",
        "emulator-redirect-301-vs-302",
        "host-differs",
        "path-differs",
        "port-differs",
        "request-protocol-and-port-vs-https-443",
        "aws-forward-with-forward-config",
        "emulator-forward-arn-only",
        "forward-config-only",
        "forward-other-target-group",
        "forward-vs-redirect",
        "redirect-vs-forward",
    ],
)
def test_a_stored_action_matches_a_desired_action_as_aws_means_it(stored, spec, same):
    assert (normalize_action(stored) == desired_action(spec)) is same


def test_a_redirect_stored_with_every_default_normalises_to_the_aws_shape():
    assert normalize_action(MOTO_REDIRECT_301) == {
        "type": "redirect",
        "redirect_config": {"protocol": "HTTPS", "port": "443", "host": "#{host}", "path": "/#{path}",
                            "query": "#{query}", "status_code": "HTTP_301"},
    }


def test_a_redirect_with_no_protocol_and_port_takes_the_request_ones():
    config = desired_action(redirect_spec(protocol=None, port=None, status_code="HTTP_302"))["redirect_config"]
    assert config["protocol"] == "#{protocol}" and config["port"] == "#{port}"


@pytest.mark.parametrize(
    "forward_config",
    [
        {"TargetGroups": [{"TargetGroupArn": TG, "Weight": 1}, {"TargetGroupArn": TG2, "Weight": 1}]},
        {"TargetGroups": [{"TargetGroupArn": TG, "Weight": 1}],
         "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600}},
    ],
    ids=["two-weighted-groups", "stickiness-on"],
)
def test_a_forward_that_is_more_than_one_group_is_not_taken_for_a_simple_forward(forward_config):
    stored = {"Type": "forward", "ForwardConfig": forward_config}
    assert normalize_action(stored) != desired_action(forward_spec())
    assert normalize_action(stored)["type"] == "forward"


def test_an_action_of_another_type_is_kept_in_snake_case_and_differs():
    stored = {"Type": "fixed-response", "Order": 1, "FixedResponseConfig": {"StatusCode": "404"}}
    assert normalize_action(stored) == {"type": "fixed-response", "fixed_response_config": {"status_code": "404"}}


# What is sent ---------------------------------------------------------------------------------

def test_a_redirect_is_sent_with_only_the_fields_given():
    assert action_request(redirect_spec()) == {
        "Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    }


def test_a_forward_is_sent_as_its_target_group():
    assert action_request(forward_spec()) == {"Type": "forward", "TargetGroupArn": TG}


@pytest.mark.parametrize(
    "spec, fragment",
    [
        (forward_spec(None), "target_group_arn is required"),
        (dict(forward_spec(), status_code="HTTP_301"), "status_code only apply to a redirect"),
        (redirect_spec(status_code=None), "status_code is required"),
        (redirect_spec(target_group_arn=TG), "only applies to a forward"),
    ],
    ids=["forward-without-group", "forward-with-redirect-field", "redirect-without-status", "redirect-with-group"],
)
def test_action_problems_name_the_option(spec, fragment):
    problems = action_problems(spec)
    assert len(problems) == 1 and fragment in problems[0]


@pytest.mark.parametrize("spec", [forward_spec(), redirect_spec()], ids=["forward", "redirect"])
def test_a_valid_action_has_no_problems(spec):
    assert action_problems(spec) == []


# Reading -------------------------------------------------------------------------------------

def test_an_http_listener_has_no_tls_fields_even_when_the_emulator_returns_a_policy():
    listener = aws_listener(ssl_policy="ELBSecurityPolicy-2016-08")
    state = current_state(listener, None, {})
    assert "ssl_policy" not in state and "certificates" not in state


def test_an_https_listener_reads_its_default_certificate_first_and_the_others_sorted():
    listener = aws_listener("HTTPS", (AWS_FORWARD,), DEFAULT_SSL_POLICY, [CERT2], port=443)
    state = current_state(listener, listener_certificates(CERT2, CERT3, CERT), {})
    assert state["certificates"] == [CERT2, CERT, CERT3]


def test_desired_state_of_an_https_listener_defaults_the_policy_and_orders_the_certificates():
    desired = desired_state(https_params(certificates=[CERT2, CERT3, CERT, CERT3]))
    assert desired["ssl_policy"] == DEFAULT_SSL_POLICY
    assert desired["certificates"] == [CERT2, CERT, CERT3]


def test_desired_state_of_an_http_listener_compares_no_tls_field():
    desired = desired_state(params())
    assert desired["ssl_policy"] is None and desired["certificates"] is None


# plan -----------------------------------------------------------------------------------------

def test_plan_creates_an_absent_listener_with_extra_certificates_added_after():
    result = plan(desired_state(https_params(certificates=[CERT, CERT3, CERT2])), None, {"App": "a"}, True)
    assert result["create"] is True and result["changed"] is True
    assert result["certificates_to_add"] == [CERT2, CERT3]
    assert result["before"] == {}
    assert result["after"] == {
        "protocol": "HTTPS", "ssl_policy": DEFAULT_SSL_POLICY, "certificates": [CERT, CERT2, CERT3],
        "default_actions": [{"type": "forward", "target_group_arn": TG}], "tags": {"App": "a"},
    }


@pytest.mark.parametrize(
    "stored", [AWS_REDIRECT_301, MOTO_REDIRECT_301], ids=["aws-shape", "emulator-shape"]
)
def test_plan_a_minimal_redirect_against_the_stored_one_is_no_change(stored):
    current = current_state(aws_listener(actions=(stored,)), None, {})
    result = plan(desired_state(params()), current, None, True)
    assert result["changed"] is False and result["modify"] == {}
    assert result["before"] == result["after"]


def test_plan_a_status_code_change_modifies_only_the_default_action():
    current = current_state(aws_listener(), None, {})
    result = plan(desired_state(params(default_action=redirect_spec(status_code="HTTP_302"))), current, None, True)
    assert result["changed"] is True
    assert list(result["modify"]) == ["DefaultActions"]
    assert result["before"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_301"
    assert result["after"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_302"


def test_plan_an_https_forward_in_the_aws_shape_is_no_change():
    result = plan(desired_state(https_params()), https_current(), None, True)
    assert result["changed"] is False and result["modify"] == {}
    assert result["certificates_to_add"] == [] and result["certificates_to_remove"] == []


def test_plan_a_different_policy_modifies_only_the_policy():
    result = plan(desired_state(https_params()), https_current(ssl_policy="ELBSecurityPolicy-2016-08"), None, True)
    assert result["modify"] == {"SslPolicy": DEFAULT_SSL_POLICY}


def test_plan_a_new_default_certificate_modifies_the_default_only():
    result = plan(desired_state(https_params(certificates=[CERT2])), https_current(), None, True)
    assert result["modify"] == {"Certificates": [{"CertificateArn": CERT2}]}
    assert result["certificates_to_add"] == [] and result["certificates_to_remove"] == []


def test_plan_extra_certificates_are_added_and_removed_as_a_set():
    current = https_current(certs=(CERT, CERT2))
    result = plan(desired_state(https_params(certificates=[CERT, CERT3])), current, None, True)
    assert result["modify"] == {}
    assert result["certificates_to_add"] == [CERT3] and result["certificates_to_remove"] == [CERT2]
    assert result["after"]["certificates"] == [CERT, CERT3]


def test_plan_the_order_of_extra_certificates_is_no_change():
    current = https_current(certs=(CERT, CERT2, CERT3))
    assert plan(desired_state(https_params(certificates=[CERT, CERT3, CERT2])), current, None, True)["changed"] is False


def test_plan_an_http_listener_that_becomes_https_gets_protocol_policy_certificate_and_action_at_once():
    current = current_state(aws_listener(), None, {})
    result = plan(desired_state(https_params(certificates=[CERT, CERT2])), current, None, True)
    assert result["modify"] == {
        "Protocol": "HTTPS",
        "SslPolicy": DEFAULT_SSL_POLICY,
        "Certificates": [{"CertificateArn": CERT}],
        "DefaultActions": [{"type": "forward", "target_group_arn": TG}],
    }
    assert result["certificates_to_add"] == [CERT2]
    assert "certificates" not in result["before"] and result["after"]["certificates"] == [CERT, CERT2]


def test_plan_an_https_listener_that_becomes_http_drops_its_tls_fields_from_after():
    result = plan(desired_state(params()), https_current(actions=(AWS_REDIRECT_301,)), None, True)
    assert result["modify"] == {"Protocol": "HTTP"}
    assert "ssl_policy" not in result["after"] and "certificates" not in result["after"]


def test_plan_retags_without_touching_the_listener():
    current = current_state(aws_listener(), None, {"App": "a", "Stale": "1"})
    result = plan(desired_state(params()), current, {"App": "b"}, True)
    assert result["changed"] is True and result["modify"] == {}
    assert result["tags_to_set"] == {"App": "b"} and result["tags_to_remove"] == ["Stale"]
    assert result["after"]["tags"] == {"App": "b"}


def test_plan_with_tags_none_leaves_them_alone():
    current = current_state(aws_listener(), None, {"App": "a"})
    result = plan(desired_state(params()), current, None, True)
    assert result["changed"] is False and result["after"]["tags"] == {"App": "a"}


def test_plan_does_not_mutate_current():
    current = https_current(certs=(CERT, CERT2))
    snapshot = copy.deepcopy(current)
    plan(desired_state(https_params(certificates=[CERT3])), current, {"X": "1"}, True)
    assert current == snapshot


# The listener in ELBv2 (botocore Stubber) ------------------------------------------------------------

def listener_module(check_mode=False, **overrides):
    """A module whose parameters ask for the HTTP listener forwarding to TG, with its warnings kept."""
    module = FakeModule(dict({"load_balancer_arn": None, "load_balancer_name": "nestjs-playground", "port": 80, "state": "present",
                              "protocol": "HTTP", "certificates": None, "ssl_policy": None, "tags": None, "purge_tags": True,
                              "default_action": {"type": "forward", "target_group_arn": TG}}, **overrides), check_mode)
    module.warnings = []
    module.warn = module.warnings.append
    return module


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_load_balancer_not_created_yet_is_a_warning_in_check_mode_and_a_failure_for_real(check_mode):
    module = listener_module(check_mode)
    listener = Listener(module)
    with module.stubber("elbv2") as stubber:
        stubber.add_client_error("describe_load_balancers", "LoadBalancerNotFound", expected_params={"Names": ["nestjs-playground"]})
        if check_mode:
            result = run(module, listener, "listener")
            assert result["changed"] is True and result["listener"]["load_balancer_arn"] == "nestjs-playground"
            assert any("does not exist yet" in warning for warning in module.warnings)
        else:
            with pytest.raises(Failed, match="^Load balancer nestjs-playground does not exist$"):
                run(module, listener, "listener")
        stubber.assert_no_pending_responses()


def test_a_listener_deleted_meanwhile_is_no_error():
    module = listener_module(load_balancer_arn=LB, load_balancer_name=None, state="absent")
    listener = Listener(module)
    with module.stubber("elbv2") as stubber:
        stubber.add_response("describe_listeners", {"Listeners": [{"ListenerArn": LISTENER, "LoadBalancerArn": LB, "Port": 80, "Protocol": "HTTP",
                                                                   "DefaultActions": [AWS_FORWARD]}]}, {"LoadBalancerArn": LB})
        stubber.add_response("describe_tags", {"TagDescriptions": [{"ResourceArn": LISTENER}]}, {"ResourceArns": [LISTENER]})
        stubber.add_client_error("delete_listener", "ListenerNotFound", expected_params={"ListenerArn": LISTENER})
        assert run(module, listener, "listener")["changed"] is True
        stubber.assert_no_pending_responses()
