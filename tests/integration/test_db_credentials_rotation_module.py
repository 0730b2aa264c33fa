"""nestjs_playground.infra.db_credentials_rotation against the local AWS endpoint, through the recording proxy.

A cluster and its credentials secret (made by db_credentials_secret, as the aurora role does) are rotated twice.
After each rotation the password the cluster was given (the recorded ``ModifyDBCluster`` request, compared by
digest) is the secret's ``AWSCURRENT`` one and differs from the one before, which ``AWSPREVIOUS`` keeps; no
password appears in any output. Check mode and a scheduled run before the due date make no write; a converge of
the secret afterwards changes nothing. A rotation stopped after its first step (a version staged as
``AWSPENDING``) is completed by the next run with that staged password, never a second new one.
"""

import hashlib
import json
import urllib.parse

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.db_credentials_rotation"
SECRET = "rotation-test-db-credentials"
CLUSTER = "rotation-test"
FIRST_PASSWORD = "First-passw0rd-of-the-cluster"
STAGED_PASSWORD = "Staged-passw0rd-by-a-stopped-run"
SECRET_ARGS = {"name": SECRET, "username": "postgres", "engine": "postgres", "port": 5432, "dbname": "app",
               "db_cluster_identifier": CLUSTER, "host": "rotation-test.cluster-x.us-east-1.rds.amazonaws.com",
               "tags": {"App": "a", "Env": "dev"}}
ROTATE = {"name": SECRET, "db_cluster_identifier": CLUSTER}


def digest(text):
    """Passwords are compared by digest, so a failing assertion never prints one."""
    return hashlib.sha256(text.encode()).hexdigest()


def document(secrets, stage="AWSCURRENT"):
    # Read by stage: moto 5.2.5 does not move the secret's default version with AWSCURRENT (docs/emulator-gaps.md).
    return json.loads(secrets.get_secret_value(SecretId=SECRET, VersionStage=stage)["SecretString"])


def stages(secrets):
    return secrets.describe_secret(SecretId=SECRET)["VersionIdsToStages"]


def tags(secrets):
    return {t["Key"]: t["Value"] for t in secrets.describe_secret(SecretId=SECRET).get("Tags", [])}


@pytest.fixture(scope="module")
def rotations(ansible, ansible_recorded, recorded):
    secrets, rds = ansible.client("secretsmanager"), ansible.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql", MasterUsername="postgres",
                          MasterUserPassword=FIRST_PASSWORD)
    created = ansible.module("nestjs_playground.infra.db_credentials_secret", SECRET_ARGS)
    assert created.get("changed") and not created.get("failed"), created
    given = []
    recorded.after_call("ModifyDBCluster", lambda call, body: given.append(
        digest(urllib.parse.parse_qs(body.decode())["MasterUserPassword"][0])), times=10, answer=True)
    out = {"passwords": [digest(document(secrets)["password"])], "given": given, "outputs": [],
           "document": {k: v for k, v in document(secrets).items() if k != "password"}}

    def step(name, args, check=False):
        mark = recorded.mark()
        result = ansible_recorded.module(MODULE, args, check=check, diff=True)
        out[name] = {"result": result, "writes": [c.action for c in recorded.mutating_calls(mark)],
                     "password": digest(document(secrets)["password"]), "stages": stages(secrets), "tags": tags(secrets),
                     "document": {k: v for k, v in document(secrets).items() if k != "password"}}
        out["outputs"].append(json.dumps(result))

    step("check", ROTATE, check=True)
    step("first", ROTATE)
    out["previous_after_first"] = digest(document(secrets, "AWSPREVIOUS")["password"])
    step("not_due", dict(ROTATE, only_when_due=True))
    step("second", ROTATE)
    out["previous_after_second"] = digest(document(secrets, "AWSPREVIOUS")["password"])
    mark = recorded.mark()
    out["converge"] = ansible_recorded.module("nestjs_playground.infra.db_credentials_secret", SECRET_ARGS, diff=True)
    out["converge_writes"] = [c.action for c in recorded.mutating_calls(mark)]
    # A run stopped after its first step: a version staged as AWSPENDING, the cluster not given it yet.
    staged = secrets.put_secret_value(SecretId=SECRET, SecretString=json.dumps(dict(document(secrets), password=STAGED_PASSWORD)),
                                      VersionStages=["AWSPENDING"])["VersionId"]
    out["staged"] = staged
    step("resumed", dict(ROTATE, only_when_due=True))
    out["secrets"] = [FIRST_PASSWORD, STAGED_PASSWORD] + [document(secrets, stage)["password"] for stage in ("AWSCURRENT", "AWSPREVIOUS")]
    return out


def test_check_mode_says_it_would_rotate_and_writes_nothing(rotations):
    check = rotations["check"]
    assert check["result"]["changed"] is True and check["writes"] == []
    assert check["result"]["rotation"]["rotated"] is True
    assert check["result"]["diff"]["after"]["password"] == "(rotated)"
    assert check["password"] == rotations["passwords"][0]


def test_each_rotation_gives_the_cluster_the_secret_s_new_password_and_keeps_the_old_one_as_previous(rotations):
    first, second = rotations["first"], rotations["second"]
    assert rotations["given"][:2] == [first["password"], second["password"]]   # one ModifyDBCluster each, with AWSCURRENT's password
    assert len({rotations["passwords"][0], first["password"], second["password"]}) == 3
    assert rotations["previous_after_first"] == rotations["passwords"][0]
    assert rotations["previous_after_second"] == first["password"]


def test_a_rotation_leaves_one_current_version_no_pending_label_and_its_record_on_the_secret(rotations):
    for name in ("first", "second"):
        step = rotations[name]
        labels = [label for version_labels in step["stages"].values() for label in version_labels]
        assert sorted(labels) == ["AWSCURRENT", "AWSPREVIOUS"], step["stages"]
        current = next(v for v, s in step["stages"].items() if "AWSCURRENT" in s)
        assert step["result"]["rotation"]["version_id"] == current
        assert step["tags"]["CredentialsAppliedVersion"] == current
        assert step["tags"]["CredentialsRotatedAt"] == step["result"]["rotation"]["last_rotated"]
        assert step["writes"] == ["PutSecretValue", "ModifyDBCluster", "TagResource", "TagResource",
                                  "UpdateSecretVersionStage", "UpdateSecretVersionStage"]


def test_the_secret_keeps_its_name_every_other_key_and_its_tags(rotations):
    assert rotations["document"]["host"] == SECRET_ARGS["host"] and len(rotations["document"]) == 6
    for name in ("first", "second", "resumed"):
        assert rotations[name]["document"] == rotations["document"]
        assert {k: v for k, v in rotations[name]["tags"].items() if not k.startswith("Credentials")} == SECRET_ARGS["tags"]


def test_a_scheduled_run_before_the_due_date_writes_nothing_and_says_when(rotations):
    not_due = rotations["not_due"]
    assert not_due["result"]["changed"] is False and not_due["writes"] == []
    assert not_due["result"]["rotation"]["last_rotated"] == rotations["first"]["result"]["rotation"]["last_rotated"]
    assert not_due["result"]["rotation"]["next_rotation"] == rotations["first"]["result"]["rotation"]["next_rotation"]


def test_the_secret_s_converge_after_rotations_changes_nothing(rotations):
    assert rotations["converge"]["changed"] is False, rotations["converge"]
    assert rotations["converge_writes"] == []


def test_a_rotation_stopped_after_staging_is_completed_with_the_staged_password(rotations):
    resumed = rotations["resumed"]
    assert resumed["result"]["changed"] is True and resumed["result"]["rotation"]["resumed"] is True
    assert resumed["result"]["rotation"]["version_id"] == rotations["staged"]
    assert resumed["password"] == digest(STAGED_PASSWORD)
    assert rotations["given"][2:] == [digest(STAGED_PASSWORD)]
    assert resumed["writes"].count("PutSecretValue") == 0


def test_no_password_appears_in_any_output(rotations):
    for output in rotations["outputs"] + [json.dumps(rotations["converge"])]:
        for password in rotations["secrets"]:
            assert password not in output
