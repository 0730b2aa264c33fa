import copy
import json
from urllib.parse import quote

import pytest

from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import IamRoleTags
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import ServiceCalls
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import Role
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import desired_state
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import policies_equal
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import policy_from_aws
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import policy_from_option
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import role_arn
from ansible_collections.nestjs_playground.infra.plugins.modules.iam_service_role import service_trust_policy
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

ACCOUNT = "123456789012"
NAME = "nestjs-playground-dev-task"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}],
}
OTHER_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
EXEC_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
TAGS = {"App": "nestjs-playground", "Env": "dev"}


def params(**overrides):
    base = {
        "name": NAME, "path": "/", "description": None, "service_principal": "ecs-tasks.amazonaws.com",
        "source_account": None, "assume_role_policy_document": None, "policy_name": "app",
        "policy_document": json.dumps(POLICY), "purge_policies": True, "managed_policy_arns": None,
        "max_session_duration": None,
    }
    base.update(overrides)
    return base


def current_state(**overrides):
    """Shaped like Roles.describe()."""
    state = {
        "role_name": NAME,
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{NAME}",
        "path": "/",
        "role_id": "AROAEXAMPLE",
        "assume_role_policy_document": copy.deepcopy(TRUST),
        "description": "",
        "max_session_duration": 3600,
        "inline_policies": {"app": copy.deepcopy(POLICY)},
        "managed_policy_arns": [],
        "tags": dict(TAGS),
    }
    state.update(overrides)
    return state


# policy_from_aws / policy_from_option -----------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    [POLICY, json.dumps(POLICY), json.dumps(POLICY, indent=2), quote(json.dumps(POLICY)), "  " + quote(json.dumps(POLICY))],
    ids=["dict-from-boto3", "json", "pretty-json", "url-encoded-json", "url-encoded-with-space"],
)
def test_policy_from_aws_reads_every_shape_iam_returns(value):
    assert policy_from_aws(value) == POLICY


def test_policy_from_aws_keeps_a_literal_percent_in_plain_json():
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/100%25"}]}
    assert policy_from_aws(json.dumps(document)) == document


def test_policy_from_aws_decodes_an_encoded_percent_once():
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/100%"}]}
    assert policy_from_aws(quote(json.dumps(document))) == document


def test_policy_from_aws_passes_none_through():
    assert policy_from_aws(None) is None


@pytest.mark.parametrize("value", [POLICY, json.dumps(POLICY)], ids=["dict", "json"])
def test_policy_from_option_reads_dicts_and_json(value):
    assert policy_from_option(value, "policy_document") == POLICY


@pytest.mark.parametrize("value,message", [("{not json", "not valid JSON"), ("[1, 2]", "JSON object")], ids=["bad-json", "list"])
def test_policy_from_option_refuses_what_is_not_a_document(value, message):
    with pytest.raises(ValueError, match=message):
        policy_from_option(value, "policy_document")


# policies_equal ---------------------------------------------------------------------------------

def trust(**statement_overrides):
    statement = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    statement.update(statement_overrides)
    return {"Version": "2012-10-17", "Statement": [statement]}


EQUIVALENT = [
    ("same", TRUST),
    ("action-as-one-element-list", trust(Action=["sts:AssumeRole"])),
    ("service-as-one-element-list", trust(Principal={"Service": ["ecs-tasks.amazonaws.com"]})),
    ("statement-as-object", {"Version": "2012-10-17", "Statement": trust()["Statement"][0]}),
    ("key-order", {"Statement": [{"Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Effect": "Allow"}],
                   "Version": "2012-10-17"}),
    ("json-round-trip", json.loads(json.dumps(TRUST, indent=4, sort_keys=True))),
]


@pytest.mark.parametrize("other", [case[1] for case in EQUIVALENT], ids=[case[0] for case in EQUIVALENT])
def test_policies_equal_ignores_what_iam_does_not_distinguish(other):
    assert policies_equal(TRUST, other) is True
    assert policies_equal(other, TRUST) is True


def test_policies_equal_ignores_list_order_of_actions():
    one = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]}
    other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}]}
    assert policies_equal(one, other) is True


def test_policies_equal_reads_a_number_as_its_string_in_a_condition():
    one = trust(Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})
    other = trust(Condition={"StringEquals": {"aws:SourceAccount": 123456789012}})
    assert policies_equal(one, other) is True


def test_policies_equal_reads_a_missing_version_as_2008():
    without = {"Statement": TRUST["Statement"]}
    assert policies_equal(without, dict(without, Version="2008-10-17")) is True
    assert policies_equal(without, TRUST) is False


DIFFERENT = [
    ("other-service", trust(Principal={"Service": "lambda.amazonaws.com"})),
    ("extra-service", trust(Principal={"Service": ["ecs-tasks.amazonaws.com", "lambda.amazonaws.com"]})),
    ("added-condition", trust(Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})),
    ("other-action", trust(Action="sts:TagSession")),
    ("deny", trust(Effect="Deny")),
    ("other-version", dict(TRUST, Version="2008-10-17")),
    ("second-statement", {"Version": "2012-10-17", "Statement": TRUST["Statement"] + [trust(Action="sts:TagSession")["Statement"][0]]}),
]


@pytest.mark.parametrize("other", [case[1] for case in DIFFERENT], ids=[case[0] for case in DIFFERENT])
def test_policies_equal_sees_every_real_difference(other):
    assert policies_equal(TRUST, other) is False


def test_policies_equal_with_none():
    assert policies_equal(None, None) is True
    assert policies_equal(TRUST, None) is False
    assert policies_equal(None, TRUST) is False


# service_trust_policy / role_arn ----------------------------------------------------------------

def test_service_trust_policy_without_source_account():
    assert service_trust_policy("ecs-tasks.amazonaws.com") == TRUST


def test_service_trust_policy_with_source_account_adds_the_confused_deputy_guard():
    document = service_trust_policy("ecs-tasks.amazonaws.com", ACCOUNT)
    assert document["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert document["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


@pytest.mark.parametrize(
    "partition,path,expected",
    [
        ("aws", "/", f"arn:aws:iam::{ACCOUNT}:role/{NAME}"),
        ("aws", "/service/ecs/", f"arn:aws:iam::{ACCOUNT}:role/service/ecs/{NAME}"),
        ("aws-cn", "/", f"arn:aws-cn:iam::{ACCOUNT}:role/{NAME}"),
    ],
)
def test_role_arn_is_built_as_iam_builds_it(partition, path, expected):
    assert role_arn(partition, ACCOUNT, path, NAME) == expected


# desired_state ----------------------------------------------------------------------------------

def test_desired_state_builds_the_trust_policy_from_the_service_principal():
    desired = desired_state(params(source_account=ACCOUNT))
    assert desired["assume_role_policy_document"] == service_trust_policy("ecs-tasks.amazonaws.com", ACCOUNT)
    assert desired["policy_document"] == POLICY


def test_desired_state_takes_a_whole_trust_policy_as_given():
    custom = trust(Principal={"Service": "scheduler.amazonaws.com"})
    desired = desired_state(params(service_principal=None, assume_role_policy_document=json.dumps(custom)))
    assert desired["assume_role_policy_document"] == custom


def test_desired_state_sorts_and_deduplicates_managed_policy_arns():
    assert desired_state(params(managed_policy_arns=[EXEC_ARN, READ_ONLY_ARN, EXEC_ARN]))["managed_policy_arns"] == [READ_ONLY_ARN, EXEC_ARN]
    assert desired_state(params(managed_policy_arns=[]))["managed_policy_arns"] == []
    assert desired_state(params())["managed_policy_arns"] is None


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"source_account": "12345"}, "12-digit"),
        ({"max_session_duration": 600}, "max_session_duration"),
        ({"max_session_duration": 43201}, "max_session_duration"),
        ({"path": "service"}, "begin and end with /"),
        ({"name": "bad name"}, "must match pattern"),
        ({"policy_document": "[]"}, "JSON object"),
    ],
    ids=["short-account", "short-session", "long-session", "path-without-slashes", "name-with-space", "policy-not-object"],
)
def test_desired_state_refuses_what_iam_would_refuse(overrides, message):
    with pytest.raises(ValueError, match=message):
        desired_state(params(**overrides))


# plan: creation ---------------------------------------------------------------------------------

def test_plan_creates_an_absent_role_with_its_policy_and_iam_defaults():
    result = plan(desired_state(params()), None, TAGS, True)
    assert result["create"] is True and result["changed"] is True
    assert result["update_trust"] is False and result["update_role"] is False
    assert result["policies_to_put"] == {"app": POLICY}
    assert result["policies_to_delete"] == [] and result["policies_to_attach"] == []
    assert result["before"] == {}
    assert result["after"] == {
        "assume_role_policy_document": TRUST, "description": "", "max_session_duration": 3600,
        "inline_policies": {"app": POLICY}, "managed_policy_arns": [], "tags": TAGS,
    }


def test_plan_creates_with_managed_policies_description_and_session():
    desired = desired_state(params(policy_document=None, managed_policy_arns=[EXEC_ARN], description="d", max_session_duration=7200))
    result = plan(desired, None, None, True)
    assert result["policies_to_put"] == {} and result["policies_to_attach"] == [EXEC_ARN]
    assert result["after"]["description"] == "d" and result["after"]["max_session_duration"] == 7200
    assert result["after"]["inline_policies"] == {} and result["after"]["tags"] == {}


# plan: existing role ----------------------------------------------------------------------------

def test_plan_is_a_no_op_when_the_role_matches():
    result = plan(desired_state(params()), current_state(), dict(TAGS), True)
    assert result["changed"] is False
    assert result["policies_to_put"] == {} and result["policies_to_delete"] == []
    assert result["before"] == result["after"]


def test_plan_is_a_no_op_when_iam_returns_equivalent_documents_and_keeps_their_form():
    stored_trust = trust(Action=["sts:AssumeRole"], Principal={"Service": ["ecs-tasks.amazonaws.com"]})
    stored_policy = {"Statement": dict(POLICY["Statement"][0], Action=["secretsmanager:GetSecretValue"]), "Version": "2012-10-17"}
    current = current_state(assume_role_policy_document=stored_trust, inline_policies={"app": stored_policy})
    result = plan(desired_state(params()), current, TAGS, True)
    assert result["changed"] is False and result["update_trust"] is False and result["policies_to_put"] == {}
    assert result["after"]["assume_role_policy_document"] == stored_trust
    assert result["after"]["inline_policies"] == {"app": stored_policy}


def test_plan_updates_the_trust_policy_when_the_source_account_is_added():
    result = plan(desired_state(params(source_account=ACCOUNT)), current_state(), TAGS, True)
    assert result["changed"] is True and result["update_trust"] is True and result["update_role"] is False
    assert result["policies_to_put"] == {}
    assert result["before"]["assume_role_policy_document"] == TRUST
    assert result["after"]["assume_role_policy_document"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT}
    }


def test_plan_puts_a_changed_inline_policy_only():
    result = plan(desired_state(params(policy_document=json.dumps(OTHER_POLICY))), current_state(), TAGS, True)
    assert result["changed"] is True
    assert result["policies_to_put"] == {"app": OTHER_POLICY} and result["policies_to_delete"] == []
    assert result["before"]["inline_policies"] == {"app": POLICY}
    assert result["after"]["inline_policies"] == {"app": OTHER_POLICY}
    assert result["update_trust"] is False and result["update_role"] is False


def test_plan_purges_other_inline_policies_by_default():
    current = current_state(inline_policies={"app": POLICY, "legacy": OTHER_POLICY})
    result = plan(desired_state(params()), current, TAGS, True)
    assert result["changed"] is True
    assert result["policies_to_put"] == {} and result["policies_to_delete"] == ["legacy"]
    assert result["after"]["inline_policies"] == {"app": POLICY}


def test_plan_without_purge_keeps_other_inline_policies_and_reports_no_change():
    current = current_state(inline_policies={"app": POLICY, "legacy": OTHER_POLICY})
    result = plan(desired_state(params(purge_policies=False)), current, TAGS, True)
    assert result["changed"] is False and result["policies_to_delete"] == []
    assert result["after"]["inline_policies"] == {"app": POLICY, "legacy": OTHER_POLICY}


def test_plan_renaming_the_inline_policy_puts_the_new_one_and_deletes_the_old():
    result = plan(desired_state(params(policy_name="app-v2")), current_state(), TAGS, True)
    assert result["policies_to_put"] == {"app-v2": POLICY} and result["policies_to_delete"] == ["app"]


def test_plan_without_policy_document_leaves_inline_policies_alone_even_with_purge():
    current = current_state(inline_policies={"app": POLICY, "legacy": OTHER_POLICY})
    result = plan(desired_state(params(policy_document=None, purge_policies=True)), current, TAGS, True)
    assert result["changed"] is False and result["policies_to_delete"] == [] and result["policies_to_put"] == {}
    assert result["after"]["inline_policies"] == current["inline_policies"]


@pytest.mark.parametrize(
    "attached,asked,attach,detach",
    [
        ([], [EXEC_ARN], [EXEC_ARN], []),
        ([EXEC_ARN, READ_ONLY_ARN], [EXEC_ARN], [], [READ_ONLY_ARN]),
        ([READ_ONLY_ARN], [EXEC_ARN], [EXEC_ARN], [READ_ONLY_ARN]),
        ([EXEC_ARN, READ_ONLY_ARN], [], [], [READ_ONLY_ARN, EXEC_ARN]),
        ([READ_ONLY_ARN, EXEC_ARN], [EXEC_ARN, READ_ONLY_ARN], [], []),
    ],
    ids=["attach", "detach-unlisted", "swap", "empty-detaches-all", "order-is-no-change"],
)
def test_plan_managed_policies(attached, asked, attach, detach):
    current = current_state(managed_policy_arns=sorted(attached))
    result = plan(desired_state(params(managed_policy_arns=asked)), current, TAGS, True)
    assert result["policies_to_attach"] == attach and result["policies_to_detach"] == detach
    assert result["changed"] is bool(attach or detach)
    assert result["after"]["managed_policy_arns"] == sorted(set(asked))


def test_plan_without_managed_policy_arns_leaves_attached_policies_alone():
    current = current_state(managed_policy_arns=[EXEC_ARN])
    result = plan(desired_state(params(managed_policy_arns=None)), current, TAGS, True)
    assert result["changed"] is False and result["policies_to_detach"] == []
    assert result["after"]["managed_policy_arns"] == [EXEC_ARN]


@pytest.mark.parametrize(
    "have,asked,update",
    [
        ({"description": ""}, {"description": "Role of the API tasks"}, True),
        ({"description": "old"}, {"description": ""}, True),
        ({"description": "same"}, {"description": "same"}, False),
        ({"description": ""}, {"description": ""}, False),
        ({"description": "kept"}, {"description": None}, False),
        ({"max_session_duration": 3600}, {"max_session_duration": 7200}, True),
        ({"max_session_duration": 7200}, {"max_session_duration": None}, False),
        ({"max_session_duration": 7200}, {"max_session_duration": 7200}, False),
    ],
    ids=["set-description", "clear-description", "same-description", "empty-is-none", "description-left-alone",
         "longer-session", "session-left-alone", "same-session"],
)
def test_plan_update_role_for_description_and_session(have, asked, update):
    result = plan(desired_state(params(**asked)), current_state(**have), TAGS, True)
    assert result["update_role"] is update and result["changed"] is update


def test_plan_update_role_keeps_the_setting_not_asked_for_in_after():
    current = current_state(description="kept", max_session_duration=7200)
    result = plan(desired_state(params(max_session_duration=10800)), current, TAGS, True)
    assert result["after"]["description"] == "kept" and result["after"]["max_session_duration"] == 10800


def test_plan_retags_when_tags_differ():
    current = current_state(tags={"App": "nestjs-playground", "Env": "dev", "Stale": "1"})
    result = plan(desired_state(params()), current, {"App": "nestjs-playground", "Env": "qa"}, True)
    assert result["changed"] is True and result["update_trust"] is False and result["policies_to_put"] == {}
    assert result["tags_to_set"] == {"Env": "qa"} and result["tags_to_remove"] == ["Stale"]
    assert result["after"]["tags"] == {"App": "nestjs-playground", "Env": "qa"}


def test_plan_without_purge_tags_keeps_extra_tags():
    current = current_state(tags={"App": "nestjs-playground", "Extra": "kept"})
    result = plan(desired_state(params()), current, {"App": "nestjs-playground"}, False)
    assert result["changed"] is False and result["after"]["tags"] == {"App": "nestjs-playground", "Extra": "kept"}


def test_plan_refuses_a_role_at_another_path():
    with pytest.raises(ValueError, match="cannot change the path"):
        plan(desired_state(params(path="/service/")), current_state(), TAGS, True)


def test_plan_does_not_mutate_current():
    current = current_state(inline_policies={"app": POLICY, "legacy": OTHER_POLICY}, managed_policy_arns=[EXEC_ARN])
    snapshot = copy.deepcopy(current)
    plan(desired_state(params(source_account=ACCOUNT, policy_document=json.dumps(OTHER_POLICY), managed_policy_arns=[],
                              description="x", max_session_duration=7200)), current, {"X": "1"}, True)
    assert current == snapshot


# The role in IAM (botocore Stubber) ----------------------------------------------------------------

def role_module(**overrides):
    return FakeModule(dict(params(**overrides), state=overrides.get("state", "present"), tags=None, purge_tags=True))


def test_iam_role_tags_read_and_change_by_role_name():
    module = FakeModule()
    tags = IamRoleTags(ServiceCalls(module, "iam"))
    with module.stubber("iam") as stubber:
        stubber.add_response("list_role_tags", {"Tags": [{"Key": "Env", "Value": "dev"}]}, {"RoleName": NAME})
        stubber.add_response("untag_role", {}, {"RoleName": NAME, "TagKeys": ["Old"]})
        stubber.add_response("tag_role", {}, {"RoleName": NAME, "Tags": [{"Key": "Env", "Value": "prd"}]})
        assert tags.read(NAME, "it") == {"Env": "dev"}
        tags.change(NAME, "it", {"Env": "prd"}, ["Old"])
        stubber.assert_no_pending_responses()


def test_a_role_that_does_not_exist_is_none_and_one_created_meanwhile_is_described_again():
    module = role_module(policy_document=None, policy_name=None)
    role_resource = Role(module, desired_state(module.params))
    role = {"Path": "/", "RoleName": NAME, "RoleId": "AROAEXAMPLE1234567890", "Arn": f"arn:aws:iam::{ACCOUNT}:role/{NAME}",
            "CreateDate": "2026-01-01T00:00:00Z", "AssumeRolePolicyDocument": json.dumps(TRUST)}
    with module.stubber("iam") as stubber:
        stubber.add_client_error("get_role", "NoSuchEntity", expected_params={"RoleName": NAME})
        stubber.add_client_error("create_role", "EntityAlreadyExists")
        stubber.add_response("get_role", {"Role": role}, {"RoleName": NAME})
        stubber.add_response("list_role_policies", {"PolicyNames": []}, {"RoleName": NAME})
        stubber.add_response("list_attached_role_policies", {"AttachedPolicies": []}, {"RoleName": NAME})
        result = run(module, role_resource, "role")
        stubber.assert_no_pending_responses()
    assert result["changed"] is False and result["role"]["role_id"] == "AROAEXAMPLE1234567890"


def test_a_role_whose_policies_and_profiles_are_gone_meanwhile_is_deleted_without_error():
    module = role_module(state="absent")
    role_resource = Role(module, desired_state(module.params))
    current = current_state(managed_policy_arns=[EXEC_ARN])
    with module.stubber("iam") as stubber:
        stubber.add_client_error("delete_role_policy", "NoSuchEntity", expected_params={"RoleName": NAME, "PolicyName": "app"})
        stubber.add_client_error("detach_role_policy", "NoSuchEntity", expected_params={"RoleName": NAME, "PolicyArn": EXEC_ARN})
        stubber.add_client_error("list_instance_profiles_for_role", "NoSuchEntity", expected_params={"RoleName": NAME})
        stubber.add_client_error("delete_role", "NoSuchEntity", expected_params={"RoleName": NAME})
        role_resource.delete(current)
        stubber.assert_no_pending_responses()
