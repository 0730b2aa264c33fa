"""nestjs_playground.infra.iam_service_role against the local AWS endpoint, in the amazon.aws pattern:
create / modify / retag / change the trust / delete, each in check mode, for real, and again; the real
state read with boto3 after each step. Also: on a fresh account the module plans the role (with the ARN
it will have) where amazon.aws.iam_policy fails, and documents IAM returns in another but equivalent
shape are neither a change nor rewritten."""

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("iam_service_role-module")]

MODULE = "nestjs_playground.infra.iam_service_role"
NAME = "module-test-task-role"
PATH = "/service/"
CUSTOM = "module-test-scheduler-role"
EXEC_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
PROFILE = "module-test-profile"


def policy(*actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# The same trust policy as IAM may hold it after another tool wrote it: lists of one, Statement as an object.
TRUST_EQUIVALENT = {
    "Statement": {"Action": ["sts:AssumeRole"], "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Effect": "Allow"},
    "Version": "2012-10-17",
}
LEGACY = policy("sqs:SendMessage")

CREATE = {"name": NAME, "path": PATH, "description": "API task role", "service_principal": "ecs-tasks.amazonaws.com",
          "policy_name": "app", "policy_document": policy("s3:GetObject"),
          "tags": {"App": "a", "Env": "dev", "Owner": "o"}}
MODIFY = dict(CREATE, description="API task role, v2", policy_document=policy("s3:GetObject", "s3:PutObject"),
              managed_policy_arns=[EXEC_ARN], max_session_duration=7200, tags={"App": "a", "Env": "qa"})
RETAG = {"name": NAME, "path": PATH, "service_principal": "ecs-tasks.amazonaws.com", "tags": {"Team": "platform"},
         "purge_tags": False}
DELETE = {"name": NAME, "state": "absent"}

CUSTOM_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole",
                   "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}],
}
CUSTOM_CREATE = {"name": CUSTOM, "assume_role_policy_document": CUSTOM_TRUST, "policy_name": "run-task",
                 "policy_document": policy("ecs:RunTask"), "managed_policy_arns": []}


def observe(iam, name=NAME):
    """What the emulator holds for the role, or None."""
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None
    inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
    return {
        "arn": role["Arn"],
        "trust": role["AssumeRolePolicyDocument"],
        "description": role.get("Description"),
        "max_session_duration": role["MaxSessionDuration"],
        "inline": {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in inline},
        "managed": sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]),
        "tags": {t["Key"]: t["Value"] for t in role.get("Tags", [])},
        "instance_profiles": [p["InstanceProfileName"] for p in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]],
    }


def profile_roles(iam):
    return [r["RoleName"] for r in iam.get_instance_profile(InstanceProfileName=PROFILE)["InstanceProfile"]["Roles"]]


@pytest.fixture(scope="module")
def account(ansible):
    return ansible.client("sts").get_caller_identity()["Account"]


@pytest.fixture(scope="module")
def steps(ansible, account):
    iam = ansible.client("iam")
    out = {}

    def step(name, args, check=False, role=NAME, module=MODULE):
        out[name] = (ansible.module(module, args, check=check, diff=True), observe(iam, role))

    # The collection's pair, planned on a fresh account: the reason this module exists.
    step("collection_policy_check", {"iam_type": "role", "iam_name": NAME, "policy_name": "app",
                                     "policy_json": CREATE["policy_document"]}, check=True, module="amazon.aws.iam_policy")
    step("create_check", CREATE, check=True)
    step("create", CREATE)
    step("create_again", CREATE)
    step("modify_check", MODIFY, check=True)
    step("modify", MODIFY)
    step("modify_again", MODIFY)

    # Another tool rewrites the trust policy in an equivalent shape and adds an inline policy.
    iam.update_assume_role_policy(RoleName=NAME, PolicyDocument=json.dumps(TRUST_EQUIVALENT))
    iam.put_role_policy(RoleName=NAME, PolicyName="legacy", PolicyDocument=json.dumps(LEGACY))
    step("keep_other_policies", dict(MODIFY, purge_policies=False))
    step("purge_check", MODIFY, check=True)
    step("purge", MODIFY)

    step("retag", RETAG)
    step("retag_again", RETAG)

    with_source = dict(MODIFY, source_account=account, tags=None)
    step("trust_check", with_source, check=True)
    step("trust", with_source)
    step("trust_again", with_source)

    # Only the description: the maximum session duration (not given) must stay, though the emulator's
    # UpdateRole resets an omitted MaxSessionDuration to 3600 (as the IAM API reference says of AWS).
    redescribe = {key: value for key, value in with_source.items() if key != "max_session_duration"}
    step("redescribe", dict(redescribe, description="API task role, v3"))

    iam.create_instance_profile(InstanceProfileName=PROFILE)
    iam.add_role_to_instance_profile(InstanceProfileName=PROFILE, RoleName=NAME)
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    out["profile_after_delete"] = profile_roles(iam)
    step("delete_again", DELETE)

    step("custom_create", CUSTOM_CREATE, role=CUSTOM)
    step("custom_again", CUSTOM_CREATE, role=CUSTOM)
    step("custom_other_path", dict(CUSTOM_CREATE, path="/elsewhere/"), role=CUSTOM)
    return out


# The collection module this one replaces ----------------------------------------------------------

def test_collection_iam_policy_fails_in_check_mode_before_the_role_exists(steps):
    result, state = steps["collection_policy_check"]
    assert result.get("failed") is True
    assert "NoSuchEntity" in result["msg"] and "ListRolePolicies" in result["msg"]
    assert state is None


# Create ----------------------------------------------------------------------------------------

def test_create_in_check_mode_on_a_fresh_account_plans_the_role_with_its_future_arn(steps, account):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["role"]["arn"] == f"arn:aws:iam::{account}:role{PATH}{NAME}"
    assert "role_id" not in result["role"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["inline_policies"] == {"app": policy("s3:GetObject")}
    assert result["diff"]["after"]["assume_role_policy_document"] == TRUST


def test_create_makes_the_role_as_asked_at_the_arn_check_mode_announced(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state == {"arn": steps["create_check"][0]["role"]["arn"], "trust": TRUST, "description": "API task role",
                     "max_session_duration": 3600, "inline": {"app": policy("s3:GetObject")}, "managed": [],
                     "tags": CREATE["tags"], "instance_profiles": []}
    assert result["role"]["arn"] == state["arn"]
    assert result["role"]["role_id"]
    assert result["role"]["inline_policies"] == state["inline"]


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]
    assert result["diff"]["before"] == result["diff"]["after"]


# Modify ----------------------------------------------------------------------------------------

def test_modify_in_check_mode_reports_the_diff_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["inline_policies"] == {"app": policy("s3:GetObject")}
    assert after["inline_policies"] == {"app": policy("s3:GetObject", "s3:PutObject")}
    assert (before["managed_policy_arns"], after["managed_policy_arns"]) == ([], [EXEC_ARN])
    assert (before["description"], after["description"]) == ("API task role", "API task role, v2")
    assert (before["max_session_duration"], after["max_session_duration"]) == (3600, 7200)
    assert (before["tags"], after["tags"]) == (CREATE["tags"], MODIFY["tags"])
    assert before["assume_role_policy_document"] == after["assume_role_policy_document"] == TRUST


def test_modify_changes_every_field_and_purges_the_dropped_tag(steps):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state == dict(steps["create"][1], description="API task role, v2", max_session_duration=7200,
                         inline={"app": policy("s3:GetObject", "s3:PutObject")}, managed=[EXEC_ARN], tags=MODIFY["tags"])
    assert result["role"]["managed_policy_arns"] == [EXEC_ARN]


def test_modify_again_changes_nothing(steps):
    result, state = steps["modify_again"]
    assert result["changed"] is False
    assert state == steps["modify"][1]


# Documents written by others ----------------------------------------------------------------------

def test_an_equivalent_trust_policy_and_other_policies_kept_are_no_change(steps):
    result, state = steps["keep_other_policies"]
    assert result["changed"] is False
    assert state["trust"] == TRUST_EQUIVALENT  # not rewritten
    assert state["inline"]["legacy"] == LEGACY


def test_purge_in_check_mode_shows_the_other_policy_going_and_deletes_nothing(steps):
    result, state = steps["purge_check"]
    assert result["changed"] is True
    assert set(result["diff"]["before"]["inline_policies"]) == {"app", "legacy"}
    assert set(result["diff"]["after"]["inline_policies"]) == {"app"}
    assert set(state["inline"]) == {"app", "legacy"}


def test_purge_deletes_the_other_inline_policy_and_leaves_the_equivalent_trust_alone(steps):
    result, state = steps["purge"]
    assert result["changed"] is True
    assert state["inline"] == {"app": policy("s3:GetObject", "s3:PutObject")}
    assert state["trust"] == TRUST_EQUIVALENT
    assert state["managed"] == [EXEC_ARN]


# Tags ------------------------------------------------------------------------------------------

def test_retag_without_purge_adds_the_tag_and_leaves_policies_alone(steps):
    result, state = steps["retag"]
    assert result["changed"] is True
    assert state == dict(steps["purge"][1], tags={"App": "a", "Env": "qa", "Team": "platform"})


def test_retag_again_changes_nothing(steps):
    result, state = steps["retag_again"]
    assert result["changed"] is False
    assert state == steps["retag"][1]


# Trust -----------------------------------------------------------------------------------------

def test_trust_change_in_check_mode_shows_the_condition_and_changes_nothing(steps, account):
    result, state = steps["trust_check"]
    assert result["changed"] is True
    assert state == steps["retag"][1]
    assert result["diff"]["before"]["assume_role_policy_document"] == TRUST_EQUIVALENT
    assert result["diff"]["after"]["assume_role_policy_document"]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account}
    }


def test_trust_change_adds_the_source_account_condition(steps, account):
    result, state = steps["trust"]
    assert result["changed"] is True
    assert state["trust"]["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    assert state["trust"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert state == dict(steps["retag"][1], trust=state["trust"])


def test_trust_change_again_changes_nothing(steps):
    result, state = steps["trust_again"]
    assert result["changed"] is False
    assert state == steps["trust"][1]


def test_a_new_description_alone_keeps_the_maximum_session_duration(steps):
    result, state = steps["redescribe"]
    assert result["changed"] is True
    assert state == dict(steps["trust"][1], description="API task role, v3", max_session_duration=7200)


# Delete ----------------------------------------------------------------------------------------

def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert state == dict(steps["redescribe"][1], instance_profiles=[PROFILE])
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["managed_policy_arns"] == [EXEC_ARN]


def test_delete_removes_policies_and_instance_profile_membership_then_the_role(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state is None
    assert steps["profile_after_delete"] == []  # the instance profile stays, without the role


def test_delete_again_changes_nothing(steps):
    result, state = steps["delete_again"]
    assert result["changed"] is False
    assert state is None


# A trust policy of one's own -----------------------------------------------------------------------

def test_custom_trust_policy_is_created_as_given(steps):
    result, state = steps["custom_create"]
    assert result["changed"] is True
    assert state["trust"] == CUSTOM_TRUST
    assert state["inline"] == {"run-task": policy("ecs:RunTask")}
    assert state["managed"] == [] and state["tags"] == {}


def test_custom_trust_policy_again_changes_nothing(steps):
    result, state = steps["custom_again"]
    assert result["changed"] is False
    assert state == steps["custom_create"][1]


def test_a_role_at_another_path_is_an_error_and_is_left_alone(steps):
    result, state = steps["custom_other_path"]
    assert result.get("failed") is True
    assert "cannot change the path" in result["msg"]
    assert state == steps["custom_create"][1]
