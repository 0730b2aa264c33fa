"""The recording proxy's pure parts: which operations mutate, how a request is identified, and the
throttling answer of each protocol. The proxy in front of a real endpoint: tests/integration/test_aws_proxy.py."""

import json

import pytest

import aws_proxy

SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=abc"


def signed(service, **headers):
    return dict(headers, Authorization=SIGNED.format(service))


@pytest.mark.parametrize("action", [
    "CreateDBCluster", "PutSecretValue", "ModifyDBCluster", "UpdateService", "DeleteListener", "RegisterTaskDefinition",
    "DeregisterScalableTarget", "AttachRolePolicy", "DetachRolePolicy", "TagResource", "UntagResource",
    "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "ChangeResourceRecordSets", "RestoreSecret",
    "StartImageScan", "StopTask", "RunTask", "AssociateRouteTable", "DisassociateRouteTable", "SetSubnets",
    "AddTagsToResource", "RemoveTagsFromResource", "EnableKeyRotation", "DisableKeyRotation", "ImportCertificate",
    "RequestCertificate", "CopyDBClusterSnapshot", "RebootDBInstance", "FailoverDBCluster", "CancelKeyDeletion",
    "BatchDeleteImage", "CreateTags", "PutLifecyclePolicy", "ReplaceRoute", "GenerateCredentialReport",
    "SomethingNobodyKnows", "", None,
])
def test_every_operation_that_is_not_a_read_counts_as_mutating(action):
    assert aws_proxy.is_mutating(action) is True


@pytest.mark.parametrize("action", [
    "DescribeDBClusters", "ListTaskDefinitions", "GetSecretValue", "GetCallerIdentity", "HeadObject", "SearchResources",
    "LookupEvents", "BatchGetImage", "BatchCheckLayerAvailability", "FilterLogEvents", "ValidateTemplate",
    "TestDNSAnswer", "SimulatePrincipalPolicy", "AssumeRole", "Decrypt", "GenerateDataKey", "List", "Get",
])
def test_reads_are_not_mutating(action):
    assert aws_proxy.is_mutating(action) is False


@pytest.mark.parametrize("action", ["Getaway", "Listen", "Described"])
def test_a_read_prefix_counts_only_as_a_whole_word(action):
    assert aws_proxy.is_mutating(action) is True


def test_the_service_is_the_credential_scope_of_the_signature():
    assert aws_proxy.credential_scope(signed("elasticloadbalancing")) == ("us-east-1", "elasticloadbalancing")
    assert aws_proxy.credential_scope({"authorization": SIGNED.format("ecs")}) == ("us-east-1", "ecs")
    presigned = "X-Amz-Credential=testing%2F20261128%2Feu-west-1%2Frds-db%2Faws4_request&X-Amz-Signature=x"
    assert aws_proxy.credential_scope({}, presigned) == ("eu-west-1", "rds-db")
    assert aws_proxy.credential_scope({}) == (None, None)


def test_a_json_protocol_call_is_named_by_its_target_header():
    headers = signed("ecs", **{"X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateService",
                               "Content-Type": "application/x-amz-json-1.1"})
    assert aws_proxy.identify("POST", "/", headers, b"{}") == ("ecs", "CreateService", "json")


def test_a_query_protocol_call_is_named_by_the_action_in_its_form_body():
    headers = signed("rds", **{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    body = b"Action=ModifyDBCluster&Version=2014-10-31&DBClusterIdentifier=x"
    assert aws_proxy.identify("POST", "/", headers, body) == ("rds", "ModifyDBCluster", "query")


def test_an_ec2_call_is_named_by_its_action_and_keeps_its_own_protocol():
    headers = signed("ec2", **{"Content-Type": "application/x-www-form-urlencoded"})
    assert aws_proxy.identify("POST", "/", headers, b"Action=CreateSecurityGroup&Version=2016-11-15") == (
        "ec2", "CreateSecurityGroup", "ec2")


def test_a_query_call_may_carry_its_action_in_the_query_string():
    assert aws_proxy.identify("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", signed("sts")) == (
        "sts", "GetCallerIdentity", "query")


def test_a_smithy_cbor_call_is_named_by_its_path():
    headers = signed("monitoring", **{"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"})
    assert aws_proxy.identify("POST", "/service/GraniteServiceVersion20100801/operation/PutMetricAlarm", headers) == (
        "monitoring", "PutMetricAlarm", "cbor")


@pytest.mark.parametrize(("method", "path", "action"), [
    ("POST", "/2013-04-01/hostedzone/Z123/rrset/", "ChangeResourceRecordSets"),
    ("POST", "/2013-04-01/hostedzone/Z123/rrset", "ChangeResourceRecordSets"),
    ("GET", "/2013-04-01/hostedzone/Z123/rrset?type=A&name=x.example.com", "ListResourceRecordSets"),
    ("GET", "/2013-04-01/hostedzone/Z123", "GetHostedZone"),
    ("POST", "/2013-04-01/hostedzone", "CreateHostedZone"),
    ("DELETE", "/2013-04-01/hostedzone/Z123", "DeleteHostedZone"),
    ("GET", "/2013-04-01/change/C123", "GetChange"),
])
def test_a_route53_call_is_named_by_its_method_and_path(method, path, action):
    assert aws_proxy.identify(method, path, signed("route53")) == ("route53", action, "rest")


@pytest.mark.parametrize(("method", "path", "headers", "action"), [
    ("PUT", "/bucket-one/some/key.txt", {}, "PutObject"),
    ("PUT", "/bucket-one/some/key.txt", {"x-amz-copy-source": "/bucket-one/other"}, "CopyObject"),
    ("PUT", "/bucket-one/k?partNumber=1&uploadId=u", {}, "UploadPart"),
    ("GET", "/bucket-one?list-type=2", {}, "ListObjectsV2"),
    ("DELETE", "/bucket-one/some/key.txt", {}, "DeleteObject"),
])
def test_s3_operations_sharing_a_route_are_told_apart(method, path, headers, action):
    assert aws_proxy.identify(method, path, signed("s3", **headers))[1] == action


def test_a_request_nothing_identifies_is_named_by_method_and_path_and_counts_as_a_write():
    service, action, _ = aws_proxy.identify("PATCH", "/somewhere", {})
    assert (service, action) == ("unknown", "PATCH /somewhere")
    assert aws_proxy.is_mutating(action)


def test_json_services_are_throttled_with_a_throttling_exception_in_their_own_content_type():
    status, headers, body = aws_proxy.throttle_response("ecs", "json", {"Content-Type": "application/x-amz-json-1.1"})
    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(body)["__type"] == "ThrottlingException"
    assert "x-amzn-query-error" not in headers


def test_query_compatible_json_services_also_name_their_query_code():
    _, headers, _ = aws_proxy.throttle_response("monitoring", "json", {"Content-Type": "application/x-amz-json-1.0"})
    assert headers["x-amzn-query-error"] == "Throttling;Sender"


def test_ec2_is_throttled_with_503_request_limit_exceeded():
    status, _, body = aws_proxy.throttle_response("ec2", "ec2", {})
    assert status == 503
    assert b"<Code>RequestLimitExceeded</Code>" in body


@pytest.mark.parametrize("service", ["rds", "iam", "elasticloadbalancing", "sts"])
def test_query_services_are_throttled_with_400_throttling(service):
    status, _, body = aws_proxy.throttle_response(service, "query", {})
    assert status == 400
    assert b"<ErrorResponse>" in body and b"<Code>Throttling</Code>" in body


def test_s3_is_throttled_with_503_slow_down():
    status, _, body = aws_proxy.throttle_response("s3", "rest", {})
    assert (status, b"<Code>SlowDown</Code>" in body) == (503, True)


def test_rest_json_services_are_throttled_with_429_too_many_requests():
    status, headers, _ = aws_proxy.throttle_response("lambda", "rest", {"Content-Type": "application/json"})
    assert (status, headers["x-amzn-ErrorType"]) == (429, "TooManyRequestsException")


def test_the_cbor_error_body_is_a_cbor_map_of_its_type_and_message():
    status, headers, body = aws_proxy.throttle_response("servicediscovery", "cbor", {})
    assert status == 400 and headers["smithy-protocol"] == "rpc-v2-cbor"
    # map(2) {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert body == (b"\xa2" + b"\x66__type" + b"\x73ThrottlingException" + b"\x67message" + b"\x6dRate exceeded")


def test_the_proxy_refuses_an_upstream_that_is_not_on_this_machine():
    with pytest.raises(ValueError, match="must be a loopback address"):
        aws_proxy.AwsProxy("https://ecs.us-east-1.amazonaws.com")


def test_a_fault_rate_outside_zero_to_one_is_refused():
    proxy = aws_proxy.AwsProxy("http://127.0.0.1:1")
    with pytest.raises(ValueError, match="between 0 and 1"):
        proxy.set_fault_rate(1.5)


def test_the_same_seed_refuses_the_same_calls():
    proxy = aws_proxy.AwsProxy("http://127.0.0.1:1")
    draws = []
    for _ in range(2):
        proxy.set_fault_rate(0.2, seed=42)
        draws.append([proxy.should_fault() for _ in range(500)])
    assert draws[0] == draws[1]
    assert 70 <= sum(draws[0]) <= 130   # about a fifth
    proxy.set_fault_rate(0.2, seed=43)
    assert [proxy.should_fault() for _ in range(500)] != draws[0]


def test_recorded_calls_are_read_from_a_mark():
    proxy = aws_proxy.AwsProxy("http://127.0.0.1:1")
    proxy.record("ecs", "ListClusters", "json", "POST", "/", 200, False, 0.01)
    mark = proxy.mark()
    proxy.record("ecs", "CreateCluster", "json", "POST", "/?x=1", 200, False, 0.01)
    proxy.record("ec2", "DescribeVpcs", "ec2", "POST", "/", 503, True, 0.0)
    assert [c.action for c in proxy.calls(mark)] == ["CreateCluster", "DescribeVpcs"]
    assert [c.action for c in proxy.mutating_calls(mark)] == ["CreateCluster"]
    assert proxy.calls(mark)[0].path == "/"
    assert proxy.counts() == {("ecs", "ListClusters"): 1, ("ecs", "CreateCluster"): 1, ("ec2", "DescribeVpcs"): 1}
