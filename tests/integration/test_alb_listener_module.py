"""nestjs_playground.infra.alb_listener against the local AWS endpoint, in the amazon.aws pattern: an HTTP
listener that redirects to HTTPS and an HTTPS listener that forwards, each created / modified / deleted
in check mode, for real and again, with the real state read after each step.

The emulator stores a redirect exactly as it was sent, while AWS fills in ``#{host}``, ``/#{path}`` and
``#{query}``; the listener is also rewritten with boto3 in the AWS shape (and a forward with AWS's
``ForwardConfig``) to prove a minimal desired action is not a change against what AWS really returns.
"""

import pytest

from conftest import vpc_with_subnets

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.alb_listener"
TLS13 = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def redirect(status_code):
    return {"type": "redirect", "protocol": "HTTPS", "port": "443", "status_code": status_code}


def aws_redirect(status_code):
    """A redirect as real AWS stores a minimal one: every default filled in."""
    return {"Type": "redirect", "Order": 1, "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": status_code}}


def aws_forward(arn):
    """A forward as real AWS returns one created with TargetGroupArn."""
    return {"Type": "forward", "TargetGroupArn": arn, "Order": 1, "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": arn, "Weight": 1}], "TargetGroupStickinessConfig": {"Enabled": False}}}


def observe(elbv2, lb_arn, port):
    """What the emulator holds for the listener on ``port``, or None."""
    found = [l for l in elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"] if l["Port"] == port]
    if not found:
        return None
    (listener,) = found
    arn = listener["ListenerArn"]
    state = {
        "arn": arn,
        "protocol": listener["Protocol"],
        "actions": listener["DefaultActions"],
        "tags": {t["Key"]: t["Value"] for t in elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]},
    }
    if listener["Protocol"] == "HTTPS":
        state["ssl_policy"] = listener["SslPolicy"]
        certificates = elbv2.describe_listener_certificates(ListenerArn=arn)["Certificates"]
        state["default_certificate"] = [c["CertificateArn"] for c in certificates if c["IsDefault"]]
        state["other_certificates"] = sorted(c["CertificateArn"] for c in certificates if not c["IsDefault"])
    return state


@pytest.fixture(scope="module")
def world(ansible):
    """A VPC with two public subnets, a security group, a load balancer, two target groups, two certificates."""
    ec2, elbv2, acm = ansible.client("ec2"), ansible.client("elbv2"), ansible.client("acm")
    vpc, subnets = vpc_with_subnets(ec2, 30, "ab")
    sg = ec2.create_security_group(VpcId=vpc, GroupName="alb", Description="alb")["GroupId"]
    lb = elbv2.create_load_balancer(Name="listener-test", Subnets=subnets, SecurityGroups=[sg], Scheme="internet-facing",
                                    Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [
        elbv2.create_target_group(Name=name, Protocol="HTTP", Port=3000, VpcId=vpc, TargetType="ip")
        ["TargetGroups"][0]["TargetGroupArn"]
        for name in ("listener-test-a", "listener-test-b")
    ]
    certificates = [
        acm.request_certificate(DomainName=name, ValidationMethod="DNS")["CertificateArn"]
        for name in ("api.example.com", "www.example.com")
    ]
    return {"lb": lb, "groups": groups, "certificates": certificates, "elbv2": elbv2}


@pytest.fixture(scope="module")
def steps(ansible, world):
    elbv2, lb = world["elbv2"], world["lb"]
    tg_a, tg_b = world["groups"]
    cert, cert2 = world["certificates"]
    http = {"load_balancer_arn": lb, "port": 80, "protocol": "HTTP", "default_action": redirect("HTTP_301"),
            "tags": {"App": "a"}}
    https = {"load_balancer_arn": lb, "port": 443, "protocol": "HTTPS", "certificates": [cert],
             "default_action": {"type": "forward", "target_group_arn": tg_a}, "tags": {"App": "a"}}
    https_modified = dict(https, certificates=[cert, cert2], ssl_policy="ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                          default_action={"type": "forward", "target_group_arn": tg_b}, tags={"App": "a", "Env": "dev"})
    out = {}

    def step(name, args, port, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(elbv2, lb, port))

    # The HTTP listener: redirect to HTTPS, given minimally.
    step("http_create_check", http, 80, check=True)
    step("http_create", http, 80)
    step("http_create_again", http, 80)
    step("http_modify_check", dict(http, default_action=redirect("HTTP_302")), 80, check=True)
    step("http_modify", dict(http, default_action=redirect("HTTP_302")), 80)
    step("http_modify_again", dict(http, default_action=redirect("HTTP_302")), 80)
    # What real AWS stores for that redirect: every default filled in. Not a change.
    arn = out["http_create"][1]["arn"]
    elbv2.modify_listener(ListenerArn=arn, DefaultActions=[aws_redirect("HTTP_302")])
    step("http_aws_shape_check", dict(http, default_action=redirect("HTTP_302")), 80, check=True)
    step("http_aws_shape", dict(http, default_action=redirect("HTTP_302")), 80)
    step("http_aws_shape_status_change_check", dict(http, default_action=redirect("HTTP_301")), 80, check=True)

    # The HTTPS listener: a certificate, forwarding to a target group.
    step("https_create_check", https, 443, check=True)
    step("https_create", https, 443)
    step("https_create_again", https, 443)
    elbv2.modify_listener(ListenerArn=out["https_create"][1]["arn"], DefaultActions=[aws_forward(tg_a)])
    step("https_aws_shape", https, 443)
    step("https_modify_check", https_modified, 443, check=True)
    step("https_modify", https_modified, 443)
    step("https_modify_again", https_modified, 443)

    absent80 = {"load_balancer_arn": lb, "port": 80, "state": "absent"}
    step("http_delete_check", absent80, 80, check=True)
    step("http_delete", absent80, 80)
    step("http_delete_again", absent80, 80)
    out["https_still_there"] = observe(elbv2, lb, 443)
    # The HTTPS listener deleted through the load balancer's name (as destroy.yml does: ARNs are made up by AWS).
    by_name = {"load_balancer_name": "listener-test", "port": 443, "state": "absent"}
    step("https_delete_by_name_check", by_name, 443, check=True)
    step("https_delete", by_name, 443)
    step("https_delete_by_name_again", by_name, 443)
    out["absent_by_name_on_missing_lb"] = ansible.module(MODULE, dict(by_name, load_balancer_name="not-created"))
    out["arn_and_name"] = ansible.module(MODULE, dict(by_name, load_balancer_arn=lb))
    out["neither_arn_nor_name"] = ansible.module(MODULE, {"port": 443, "state": "absent"})

    # A load balancer that does not exist (yet): a plan shows the listener, a real run fails.
    missing = dict(http, load_balancer_arn=lb.replace("listener-test", "not-created"))
    out["missing_lb_check"] = ansible.module(MODULE, missing, check=True, diff=True)
    out["missing_lb"] = ansible.module(MODULE, missing)
    return out


# HTTP -> HTTPS redirect --------------------------------------------------------------------------

def test_create_in_check_mode_reports_the_redirect_and_creates_nothing(steps):
    result, state = steps["http_create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_301"
    assert "listener_arn" not in result["listener"]


def test_create_makes_the_redirect_as_asked(steps):
    result, state = steps["http_create"]
    assert result["changed"] is True
    assert state["protocol"] == "HTTP" and state["tags"] == {"App": "a"}
    # Sent as given (the emulator keeps it exactly so; AWS would fill in the defaults).
    assert state["actions"] == [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ]
    assert result["listener"]["listener_arn"] == state["arn"]
    assert "ssl_policy" not in result["listener"]


def test_create_again_changes_nothing(steps):
    result, state = steps["http_create_again"]
    assert result["changed"] is False
    assert state == steps["http_create"][1]


def test_a_status_code_change_in_check_mode_shows_the_diff_and_modifies_nothing(steps):
    result, state = steps["http_modify_check"]
    assert result["changed"] is True
    assert state == steps["http_create"][1]
    assert result["diff"]["before"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_301"
    assert result["diff"]["after"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_302"


def test_a_status_code_change_modifies_the_same_listener(steps):
    result, state = steps["http_modify"]
    assert result["changed"] is True
    assert state["arn"] == steps["http_create"][1]["arn"]
    assert state["actions"][0]["RedirectConfig"]["StatusCode"] == "HTTP_302"


def test_a_status_code_change_again_changes_nothing(steps):
    assert steps["http_modify_again"][0]["changed"] is False


def test_a_redirect_stored_with_the_aws_defaults_is_no_change_for_a_minimal_one(steps):
    for name in ("http_aws_shape_check", "http_aws_shape"):
        result, state = steps[name]
        assert result["changed"] is False, name
        assert result["diff"]["before"] == result["diff"]["after"]
        # Nothing was rewritten: the listener still holds AWS's shape.
        assert state["actions"] == [aws_redirect("HTTP_302")]


def test_a_redirect_stored_with_the_aws_defaults_still_shows_a_real_status_change(steps):
    result, state = steps["http_aws_shape_status_change_check"]
    assert result["changed"] is True
    assert result["diff"]["before"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_302"
    assert result["diff"]["after"]["default_actions"][0]["redirect_config"]["status_code"] == "HTTP_301"
    assert state["actions"] == [aws_redirect("HTTP_302")]


# HTTPS forward --------------------------------------------------------------------------------

def test_https_create_in_check_mode_reports_the_listener_and_creates_nothing(steps, world):
    result, state = steps["https_create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["after"]["certificates"] == [world["certificates"][0]]
    assert result["diff"]["after"]["ssl_policy"] == TLS13


def test_https_create_makes_the_listener_with_certificate_policy_and_forward(steps, world):
    result, state = steps["https_create"]
    assert result["changed"] is True
    assert state["protocol"] == "HTTPS" and state["ssl_policy"] == TLS13
    assert state["default_certificate"] == [world["certificates"][0]] and state["other_certificates"] == []
    assert state["actions"] == [{"Type": "forward", "TargetGroupArn": world["groups"][0]}]
    assert result["listener"]["default_actions"] == [{"type": "forward", "target_group_arn": world["groups"][0]}]


def test_https_create_again_changes_nothing(steps):
    result, state = steps["https_create_again"]
    assert result["changed"] is False
    assert state == steps["https_create"][1]


def test_a_forward_returned_with_forward_config_is_no_change(steps, world):
    result, state = steps["https_aws_shape"]
    assert result["changed"] is False
    assert state["actions"] == [aws_forward(world["groups"][0])]


def test_https_modify_in_check_mode_shows_the_diff_and_modifies_nothing(steps, world):
    result, state = steps["https_modify_check"]
    assert result["changed"] is True
    assert state == steps["https_aws_shape"][1]
    assert result["diff"]["after"]["certificates"] == [world["certificates"][0], world["certificates"][1]]
    assert result["diff"]["after"]["default_actions"] == [{"type": "forward", "target_group_arn": world["groups"][1]}]
    assert result["diff"]["before"]["ssl_policy"] == TLS13


def test_https_modify_changes_policy_action_certificates_and_tags(steps, world):
    result, state = steps["https_modify"]
    assert result["changed"] is True
    assert state["arn"] == steps["https_create"][1]["arn"]
    assert state["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
    assert state["default_certificate"] == [world["certificates"][0]]
    assert state["other_certificates"] == [world["certificates"][1]]
    assert state["actions"] == [{"Type": "forward", "TargetGroupArn": world["groups"][1]}]
    assert state["tags"] == {"App": "a", "Env": "dev"}


def test_https_modify_again_changes_nothing(steps):
    result, state = steps["https_modify_again"]
    assert result["changed"] is False
    assert state == steps["https_modify"][1]


# Deletion -------------------------------------------------------------------------------------

def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["http_delete_check"]
    assert result["changed"] is True
    assert state is not None
    assert result["diff"]["after"] == {} and result["diff"]["before"]["protocol"] == "HTTP"


def test_delete_removes_only_that_listener(steps):
    result, state = steps["http_delete"]
    assert result["changed"] is True
    assert state is None
    assert steps["https_still_there"] == steps["https_modify"][1]


def test_delete_again_changes_nothing(steps):
    assert steps["http_delete_again"][0]["changed"] is False


def test_delete_by_load_balancer_name_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["https_delete_by_name_check"]
    assert result["changed"] is True
    assert state == steps["https_modify"][1]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["protocol"] == "HTTPS"


def test_https_delete_by_load_balancer_name_removes_it(steps):
    result, state = steps["https_delete"]
    assert result["changed"] is True and state is None


def test_delete_by_load_balancer_name_again_changes_nothing(steps):
    result, state = steps["https_delete_by_name_again"]
    assert result["changed"] is False and state is None


def test_delete_by_the_name_of_a_load_balancer_that_does_not_exist_changes_nothing(steps):
    result = steps["absent_by_name_on_missing_lb"]
    assert result.get("failed") is not True
    assert result["changed"] is False


@pytest.mark.parametrize("step, words", [("arn_and_name", "mutually exclusive"), ("neither_arn_nor_name", "one of the following")])
def test_the_load_balancer_is_given_by_exactly_one_of_arn_and_name(steps, step, words):
    result = steps[step]
    assert result.get("failed") is True
    assert words in result["msg"] and "load_balancer_arn" in result["msg"] and "load_balancer_name" in result["msg"]


# A load balancer that does not exist -----------------------------------------------------------

def test_check_mode_on_a_load_balancer_not_created_yet_plans_the_listener_with_a_warning(steps):
    result = steps["missing_lb_check"]
    assert result["changed"] is True
    assert result["diff"]["before"] == {} and result["diff"]["after"]["protocol"] == "HTTP"
    assert any("does not exist yet" in warning for warning in result.get("warnings", []))


def test_a_real_run_on_a_load_balancer_that_does_not_exist_fails_clearly(steps):
    result = steps["missing_lb"]
    assert result.get("failed") is True
    assert "does not exist" in result["msg"]
