import datetime
import json

import pytest
from botocore.stub import ANY

from ansible_collections.nestjs_playground.infra.plugins.modules import db_credentials_rotation
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import NEW_VERSION
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import Rotation
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import cluster_holds_new_password
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import cluster_problem
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import last_rotated
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import plan
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import plan_apply_current
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_rotation import rotate
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import Failed
from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
NAME = "app-dev-db-credentials"
ARN = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{NAME}-AbCdEf"
CURRENT, PENDING = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
DOCUMENT = {"username": "postgres", "password": "Old-Passw0rd-never-shown", "host": "db.example", "port": 5432,
            "dbname": "app", "engine": "postgres", "dbClusterIdentifier": "app-dev"}


def secret(days_old=40, stages=None, **tags):
    """DescribeSecret's answer as AWS gives it."""
    return {"ARN": ARN, "Name": NAME, "CreatedDate": NOW - datetime.timedelta(days=days_old),
            "VersionIdsToStages": stages or {CURRENT: ["AWSCURRENT"]},
            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


def test_a_secret_never_rotated_is_due_from_its_creation_and_rotates_in_every_step():
    decision = plan(secret(days_old=40), 30, True, NOW)
    assert decision["action"] == "rotate" and decision["changed"]
    assert decision["steps"] == ["stage", "apply", "stamp", "promote", "clear"]
    assert decision["before"] == {"version_id": CURRENT, "last_rotated": "2026-10-25T03:00:00+00:00",
                                  "next_rotation": "2026-11-24T03:00:00+00:00"}
    assert decision["after"] == {"version_id": NEW_VERSION, "last_rotated": "2026-12-04T03:00:00+00:00", "password": "(rotated)",
                                 "next_rotation": "2027-01-03T03:00:00+00:00"}


def test_a_scheduled_run_before_the_due_date_changes_nothing_and_says_when():
    decision = plan(secret(CredentialsRotatedAt="2026-11-20T03:00:00+00:00"), 30, True, NOW)
    assert decision["action"] is None and not decision["changed"] and decision["steps"] == []
    assert decision["before"] == decision["after"]
    assert decision["next_rotation"] == "2026-12-20T03:00:00+00:00" and decision["last_rotated"] == "2026-11-20T03:00:00+00:00"


def test_rotate_now_does_not_wait_for_the_due_date():
    decision = plan(secret(CredentialsRotatedAt="2026-12-03T03:00:00+00:00"), 30, False, NOW)
    assert decision["action"] == "rotate"


@pytest.mark.parametrize(("only_when_due", "action", "next_rotation"), [(True, None, None), (False, "rotate", None)])
def test_zero_days_never_rotates_on_schedule_and_has_no_next_date(only_when_due, action, next_rotation):
    decision = plan(secret(), 0, only_when_due, NOW)
    assert decision["action"] == action and decision["next_rotation"] == next_rotation


def test_a_staged_version_the_cluster_does_not_hold_yet_is_applied_then_promoted_whatever_the_schedule_says():
    described = secret(stages={CURRENT: ["AWSCURRENT"], PENDING: ["AWSPENDING"]}, CredentialsRotatedAt="2026-12-03T03:00:00+00:00")
    decision = plan(described, 30, True, NOW)
    assert decision["action"] == "resume" and decision["pending"] == PENDING
    assert decision["steps"] == ["apply", "stamp", "promote", "clear"]
    assert decision["after"]["version_id"] == PENDING


def test_a_staged_version_the_cluster_holds_is_promoted_without_setting_the_password_again():
    described = secret(stages={CURRENT: ["AWSCURRENT"], PENDING: ["AWSPENDING"]}, CredentialsAppliedVersion=PENDING)
    assert plan(described, 30, True, NOW)["steps"] == ["stamp", "promote", "clear"]


def test_a_rotation_stopped_after_its_label_moved_only_clears_the_pending_label():
    described = secret(stages={CURRENT: ["AWSPREVIOUS"], PENDING: ["AWSCURRENT", "AWSPENDING"]},
                       CredentialsAppliedVersion=PENDING, CredentialsRotatedAt="2026-12-04T02:59:00+00:00")
    decision = plan(described, 30, True, NOW)
    assert decision["action"] == "resume" and decision["steps"] == ["clear"] and decision["pending"] == PENDING
    assert decision["after"]["last_rotated"] == "2026-12-04T02:59:00+00:00"   # not rotated again


def test_the_last_rotation_is_the_tag_or_else_the_creation_of_the_secret():
    assert last_rotated(secret(days_old=3, CredentialsRotatedAt="2026-12-01T00:00:00+00:00")) == datetime.datetime(2026, 12, 1, tzinfo=UTC)
    assert last_rotated(secret(days_old=3, CredentialsRotatedAt="not a date")) == NOW - datetime.timedelta(days=3)


@pytest.mark.parametrize(("cluster", "holds"), [
    ({"Status": "available"}, True),
    ({"Status": "resetting-master-credentials"}, False),
    ({"Status": "available", "PendingModifiedValues": {"MasterUserPassword": "****"}}, False),
])
def test_the_cluster_holds_the_new_password_once_available_with_nothing_pending(cluster, holds):
    assert cluster_holds_new_password(cluster) is holds


def test_a_cluster_that_is_missing_or_busy_is_refused_with_what_to_do():
    assert "does not exist: converge the database tier" in cluster_problem("Aurora cluster app-dev", None)
    assert cluster_problem("Aurora cluster app-dev", {"Status": "modifying"}) == (
        "Aurora cluster app-dev is modifying, not available: rotate once it is available")
    assert cluster_problem("Aurora cluster app-dev", {"Status": "available"}) is None


def stubbed_module(check_mode=False, **params):
    """test_resource's FakeModule with the rotation's parameters (AnsibleAWSModule's surface, stubbed clients)."""
    params.setdefault("db_cluster_identifier", "app-dev")
    return FakeModule(dict(name=NAME, mode="rotate", rotation_days=30, only_when_due=False, password_length=32,
                           exclude_characters="/@\"' \\`", wait_timeout=60, **params), check_mode=check_mode)


def value(document, version):
    return {"ARN": ARN, "Name": NAME, "VersionId": version, "SecretString": json.dumps(document), "VersionStages": ["AWSCURRENT"]}


def test_a_rotation_on_aws_shapes_stages_applies_waits_stamps_promotes_and_never_returns_the_password(monkeypatch):
    monkeypatch.setattr(db_credentials_rotation.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(db_credentials_rotation, "generate_password", lambda length, exclude: "New-Passw0rd-staged")
    module = stubbed_module()
    sm, rds = module.stubber("secretsmanager"), module.stubber("rds")
    new_document = dict(DOCUMENT, password="New-Passw0rd-staged")
    sm.add_response("describe_secret", secret(), {"SecretId": NAME})
    rds.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "available"}]},
                     {"DBClusterIdentifier": "app-dev"})
    # AWSCURRENT, read once: it points at app-dev, and it is the document staged with the new password
    sm.add_response("get_secret_value", value(DOCUMENT, CURRENT), {"SecretId": NAME, "VersionStage": "AWSCURRENT"})
    sm.add_response("put_secret_value", {"ARN": ARN, "Name": NAME, "VersionId": PENDING, "VersionStages": ["AWSPENDING"]},
                    {"SecretId": NAME, "ClientRequestToken": ANY, "SecretString": json.dumps(new_document), "VersionStages": ["AWSPENDING"]})
    # the staged document is not read back: the cluster gets the password just staged
    rds.add_response("modify_db_cluster", {"DBCluster": {"DBClusterIdentifier": "app-dev", "Status": "available",
                                                         "PendingModifiedValues": {"MasterUserPassword": "****"}}},
                     {"DBClusterIdentifier": "app-dev", "MasterUserPassword": "New-Passw0rd-staged", "ApplyImmediately": True})
    rds.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "resetting-master-credentials"}]},
                     {"DBClusterIdentifier": "app-dev"})
    rds.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "available"}]},
                     {"DBClusterIdentifier": "app-dev"})
    sm.add_response("tag_resource", {}, {"SecretId": ARN, "Tags": [{"Key": "CredentialsAppliedVersion", "Value": PENDING},
                                                                   {"Key": "CredentialsAppliedCluster", "Value": "app-dev"}]})
    sm.add_response("tag_resource", {}, {"SecretId": ARN, "Tags": [{"Key": "CredentialsRotatedAt", "Value": "2026-12-04T03:00:00+00:00"}]})
    sm.add_response("get_secret_value", value(DOCUMENT, CURRENT), {"SecretId": NAME, "VersionStage": "AWSCURRENT"})   # changed meanwhile?
    sm.add_response("update_secret_version_stage", {"ARN": ARN, "Name": NAME},
                    {"SecretId": NAME, "VersionStage": "AWSCURRENT", "MoveToVersionId": PENDING, "RemoveFromVersionId": CURRENT})
    sm.add_response("update_secret_version_stage", {"ARN": ARN, "Name": NAME},
                    {"SecretId": NAME, "VersionStage": "AWSPENDING", "RemoveFromVersionId": PENDING})
    with sm, rds:
        result = rotate(module, Rotation(module), NOW)
        sm.assert_no_pending_responses()
        rds.assert_no_pending_responses()
    assert result["changed"] and result["rotation"] == {"rotated": True, "resumed": False, "applied": True,
                                                         "last_rotated": "2026-12-04T03:00:00+00:00",
                                                         "next_rotation": "2027-01-03T03:00:00+00:00", "version_id": PENDING}
    assert "Passw0rd" not in json.dumps(result)


def test_check_mode_decides_as_the_real_run_and_makes_only_reads():
    module = stubbed_module(check_mode=True)
    sm, rds = module.stubber("secretsmanager"), module.stubber("rds")
    sm.add_response("describe_secret", secret(), {"SecretId": NAME})
    rds.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "available"}]},
                     {"DBClusterIdentifier": "app-dev"})
    sm.add_response("get_secret_value", value(DOCUMENT, CURRENT), {"SecretId": NAME, "VersionStage": "AWSCURRENT"})
    with sm, rds:
        result = rotate(module, Rotation(module), NOW)
        sm.assert_no_pending_responses()
        rds.assert_no_pending_responses()
    assert result["changed"] and result["rotation"]["version_id"] == NEW_VERSION
    assert result["diff"]["after"]["password"] == "(rotated)" and "password" not in result["diff"]["before"]


def test_a_busy_cluster_is_refused_before_any_write():
    module = stubbed_module()
    sm, rds = module.stubber("secretsmanager"), module.stubber("rds")
    sm.add_response("describe_secret", secret(), {"SecretId": NAME})
    rds.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "backing-up"}]},
                     {"DBClusterIdentifier": "app-dev"})
    with sm, rds, pytest.raises(Failed, match="is backing-up, not available"):
        rotate(module, Rotation(module), NOW)


def test_a_rotation_is_refused_while_the_secret_points_at_another_cluster():
    module = stubbed_module()
    sm, rds = module.stubber("secretsmanager"), module.stubber("rds")
    sm.add_response("describe_secret", secret(), {"SecretId": NAME})
    rds.add_response("describe_db_clusters", {"DBClusters": [{"DBClusterIdentifier": "app-dev", "Status": "available"}]},
                     {"DBClusterIdentifier": "app-dev"})
    sm.add_response("get_secret_value", value(dict(DOCUMENT, dbClusterIdentifier="app-dev-restored"), CURRENT),
                    {"SecretId": NAME, "VersionStage": "AWSCURRENT"})
    with sm, rds, pytest.raises(Failed, match="^The credentials secret points at cluster app-dev-restored, not app-dev"):
        rotate(module, Rotation(module), NOW)


def test_apply_current_gives_a_cluster_the_current_password_once():
    described = secret(CredentialsAppliedVersion=CURRENT, CredentialsAppliedCluster="app-dev")
    assert plan_apply_current(described, "app-dev")["changed"] is False
    decision = plan_apply_current(described, "app-dev-restored")
    assert decision["changed"] and decision["steps"] == ["apply"] and decision["pending"] == CURRENT
    assert decision["after"] == {"applied_version": CURRENT, "applied_cluster": "app-dev-restored", "password": "(set from AWSCURRENT)"}



def test_apply_current_sets_the_restored_cluster_s_password_from_awscurrent_and_records_it(monkeypatch):
    monkeypatch.setattr(db_credentials_rotation.time, "sleep", lambda seconds: None)
    module = stubbed_module(db_cluster_identifier="app-dev-restored")
    module.params["mode"] = "apply_current"
    sm, rds = module.stubber("secretsmanager"), module.stubber("rds")
    sm.add_response("describe_secret", secret(CredentialsAppliedVersion=CURRENT, CredentialsAppliedCluster="app-dev"), {"SecretId": NAME})
    available = {"DBClusters": [{"DBClusterIdentifier": "app-dev-restored", "Status": "available"}]}
    rds.add_response("describe_db_clusters", available, {"DBClusterIdentifier": "app-dev-restored"})
    sm.add_response("get_secret_value", value(DOCUMENT, CURRENT), {"SecretId": NAME, "VersionStage": "AWSCURRENT"})
    rds.add_response("modify_db_cluster", {"DBCluster": {"DBClusterIdentifier": "app-dev-restored", "Status": "available"}},
                     {"DBClusterIdentifier": "app-dev-restored", "MasterUserPassword": DOCUMENT["password"], "ApplyImmediately": True})
    rds.add_response("describe_db_clusters", available, {"DBClusterIdentifier": "app-dev-restored"})
    sm.add_response("tag_resource", {}, {"SecretId": ARN, "Tags": [{"Key": "CredentialsAppliedVersion", "Value": CURRENT},
                                                                   {"Key": "CredentialsAppliedCluster", "Value": "app-dev-restored"}]})
    with sm, rds:
        result = rotate(module, Rotation(module), NOW)
        sm.assert_no_pending_responses()
        rds.assert_no_pending_responses()
    assert result["changed"] and result["rotation"]["applied"] and not result["rotation"]["rotated"]
    assert DOCUMENT["password"] not in json.dumps(result)


def test_apply_current_changes_nothing_when_the_cluster_was_given_the_same_password_in_an_older_version():
    module = stubbed_module(db_cluster_identifier="app-dev-restored")
    module.params["mode"] = "apply_current"
    sm = module.stubber("secretsmanager")
    sm.add_response("describe_secret", secret(CredentialsAppliedVersion=PENDING, CredentialsAppliedCluster="app-dev-restored"),
                    {"SecretId": NAME})
    sm.add_response("get_secret_value", value(DOCUMENT, PENDING), {"SecretId": NAME, "VersionId": PENDING})
    sm.add_response("get_secret_value", value(dict(DOCUMENT, host="restored.example"), CURRENT), {"SecretId": NAME, "VersionStage": "AWSCURRENT"})
    with sm:
        result = rotate(module, Rotation(module), NOW)
        sm.assert_no_pending_responses()
    assert result["changed"] is False and result["rotation"]["applied"] is False
