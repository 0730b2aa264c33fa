"""nestjs_playground.infra.db_credentials_secret against the local AWS endpoint, in the amazon.aws pattern:
create / fill in / retag / delete, each in check mode or for real and again; the password generated once
and kept, never returned; a secret scheduled for deletion restored; the real state read with boto3 after
each step."""

import json

import pytest
import yaml

from ansible_collections.nestjs_playground.infra.plugins.modules import db_credentials_secret

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.db_credentials_secret"
NAME = "module-test-db-credentials"
PLAIN = "module-test-plain-secret"
SCHEDULED = "module-test-db-credentials-scheduled"
# The module's own default, read from its documentation so the test follows it.
DEFAULT_EXCLUDE = yaml.safe_load(db_credentials_secret.DOCUMENTATION)["options"]["exclude_characters"]["default"]
HOST = "aurora-module-test.cluster-abc.us-east-1.rds.amazonaws.com"


def observe(secrets, name=NAME):
    """What the emulator holds for the secret (document, tags, versions, deletion date), or None."""
    try:
        described = secrets.describe_secret(SecretId=name)
    except secrets.exceptions.ResourceNotFoundException:
        return None
    versions = secrets.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
    state = {
        "arn": described["ARN"],
        "tags": {t["Key"]: t["Value"] for t in described.get("Tags", [])},
        "versions": sorted(v["VersionId"] for v in versions),
        "current_version": [v for v, stages in described["VersionIdsToStages"].items() if "AWSCURRENT" in stages],
        "deleted": described.get("DeletedDate") is not None,
        "document": None,
    }
    if not state["deleted"]:  # AWS (and moto) refuse GetSecretValue on a secret scheduled for deletion
        state["document"] = json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
    return state


@pytest.fixture(scope="module")
def steps(ansible):
    secrets = ansible.client("secretsmanager")
    create = {"name": NAME, "username": "postgres", "engine": "postgres", "port": 5432, "dbname": "app",
              "tags": {"App": "a", "Env": "dev"}}
    fill = {"name": NAME, "host": HOST, "db_cluster_identifier": "aurora-module-test"}
    retag = {"name": NAME, "tags": {"App": "a", "Env": "qa"}}
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(secrets, args["name"]))

    step("create_check", create, check=True)
    step("create", create)
    step("create_again", create)
    step("fill_check", fill, check=True)
    step("fill", fill)
    step("fill_again", fill)
    step("retag", retag)
    step("delete_scheduled", {"name": NAME, "state": "absent", "recovery_window_in_days": 7})
    step("restore", fill)
    step("delete_now", {"name": NAME, "state": "absent", "recovery_window_in_days": 0})
    step("delete_again", {"name": NAME, "state": "absent", "recovery_window_in_days": 0})
    step("scheduled_create", {"name": SCHEDULED, "username": "postgres"})
    step("scheduled_delete", {"name": SCHEDULED, "state": "absent", "recovery_window_in_days": 7})
    step("scheduled_delete_now", {"name": SCHEDULED, "state": "absent", "recovery_window_in_days": 0})
    secrets.create_secret(Name=PLAIN, SecretString="not a JSON document")
    out["not_json"] = (ansible.module(MODULE, {"name": PLAIN, "username": "postgres"}, diff=True),
                       secrets.get_secret_value(SecretId=PLAIN)["SecretString"])
    return out


def password(steps, name):
    return steps[name][1]["document"]["password"]


def test_create_in_check_mode_reports_a_change_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"username": "postgres", "engine": "postgres", "port": 5432, "dbname": "app",
                                       "password": "(generated)", "tags": {"App": "a", "Env": "dev"}}
    assert "arn" not in result["secret"]


def test_create_stores_the_asked_keys_and_a_generated_password(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    document = state["document"]
    assert sorted(document) == ["dbname", "engine", "password", "port", "username"]
    assert {k: v for k, v in document.items() if k != "password"} == {
        "username": "postgres", "engine": "postgres", "port": 5432, "dbname": "app"}
    assert state["tags"] == {"App": "a", "Env": "dev"}
    assert result["secret"]["arn"] == state["arn"]
    assert result["secret"]["keys"] == ["dbname", "engine", "password", "port", "username"]


def test_the_generated_password_has_the_default_length_and_no_excluded_character(steps):
    generated = password(steps, "create")
    assert len(generated) == 32
    assert not set(generated) & set(DEFAULT_EXCLUDE)


@pytest.mark.parametrize("name", ["create", "create_again", "fill_check", "fill", "fill_again", "retag",
                                  "delete_scheduled", "restore", "delete_now"])
def test_no_result_shows_the_password(steps, name):
    assert password(steps, "create") not in json.dumps(steps[name][0])


def test_create_again_changes_nothing_and_keeps_the_password(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]


def test_filling_in_the_host_in_check_mode_reports_a_change_and_changes_nothing(steps):
    result, state = steps["fill_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert "host" not in before and after["host"] == HOST
    assert "dbClusterIdentifier" not in before and after["dbClusterIdentifier"] == "aurora-module-test"
    assert {k: v for k, v in after.items() if k not in ("host", "dbClusterIdentifier")} == before
    assert before["password"] == after["password"] == "(unchanged)"


def test_filling_in_the_host_keeps_the_password_and_every_other_key(steps):
    result, state = steps["fill"]
    assert result["changed"] is True
    document = state["document"]
    assert len(document) == 7
    assert document == dict(steps["create"][1]["document"], host=HOST, dbClusterIdentifier="aurora-module-test")
    assert document["password"] == password(steps, "create")
    assert result["secret"]["host"] == HOST and result["secret"]["db_cluster_identifier"] == "aurora-module-test"


def test_filling_in_the_host_again_changes_nothing(steps):
    result, state = steps["fill_again"]
    assert result["changed"] is False
    assert state == steps["fill"][1]


def test_a_tag_change_alone_writes_no_new_secret_version(steps):
    result, state = steps["retag"]
    assert result["changed"] is True
    assert state["tags"] == {"App": "a", "Env": "qa"}
    assert state["versions"] == steps["fill"][1]["versions"]
    assert state["current_version"] == steps["fill"][1]["current_version"]
    assert state["document"] == steps["fill"][1]["document"]


def test_delete_with_a_recovery_window_schedules_the_deletion(steps):
    result, state = steps["delete_scheduled"]
    assert result["changed"] is True
    assert state is not None and state["deleted"] is True
    assert result["diff"]["after"] == {} and result["diff"]["before"]["host"] == HOST


def test_present_again_restores_a_secret_scheduled_for_deletion_with_its_password(steps):
    result, state = steps["restore"]
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    assert state["deleted"] is False
    assert state["document"] == steps["fill"][1]["document"]
    assert state["arn"] == steps["fill"][1]["arn"]


def test_delete_without_a_recovery_window_removes_the_secret_at_once(steps):
    result, state = steps["delete_now"]
    assert result["changed"] is True
    assert state is None


def test_delete_without_a_recovery_window_removes_a_secret_already_scheduled_for_deletion(steps):
    assert steps["scheduled_delete"][1]["deleted"] is True
    result, state = steps["scheduled_delete_now"]
    assert result["changed"] is True
    assert state is None


def test_delete_again_changes_nothing(steps):
    result, state = steps["delete_again"]
    assert result["changed"] is False
    assert state is None


def test_a_secret_that_is_not_a_json_document_fails_clearly_and_is_left_alone(steps):
    result, stored = steps["not_json"]
    assert result.get("failed") is True
    assert PLAIN in result["msg"] and "does not hold a JSON object" in result["msg"]
    assert stored == "not a JSON document"
