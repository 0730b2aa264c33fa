import copy
import string

import pytest
import yaml

from ansible_collections.nestjs_playground.infra.plugins.modules import db_credentials_secret
from ansible_collections.nestjs_playground.infra.plugins.modules.db_credentials_secret import (
    KEYS,
    PASSWORD,
    desired_document,
    generate_password,
    plan,
    public_view,
    result_view,
)

# The module's own default, read from its documentation so the test follows it.
DEFAULT_EXCLUDE = yaml.safe_load(db_credentials_secret.DOCUMENTATION)["options"]["exclude_characters"]["default"]
STORED_PASSWORD = "Stored-Passw0rd_never.shown"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nestjs-playground-dev-db-credentials-AbCdEf"
TAGS = {"App": "nestjs-playground"}

STORED = {
    "username": "postgres",
    "password": STORED_PASSWORD,
    "engine": "postgres",
    "host": "nestjs-playground-dev.cluster-abc.us-east-1.rds.amazonaws.com",
    "port": 5432,
    "dbname": "nestjs_playground",
    "dbClusterIdentifier": "nestjs-playground-dev",
}


def params(**overrides):
    base = {
        "name": "nestjs-playground-dev-db-credentials",
        "state": "present",
        "username": None,
        "engine": None,
        "host": None,
        "port": None,
        "dbname": None,
        "db_cluster_identifier": None,
        "password_length": 32,
        "exclude_characters": DEFAULT_EXCLUDE,
        "description": None,
        "kms_key_id": None,
        "recovery_window_in_days": 30,
        "tags": None,
        "purge_tags": True,
    }
    base.update(overrides)
    return base


def matching_params(**overrides):
    asked = {
        "username": "postgres",
        "engine": "postgres",
        "host": STORED["host"],
        "port": 5432,
        "dbname": "nestjs_playground",
        "db_cluster_identifier": "nestjs-playground-dev",
    }
    asked.update(overrides)
    return params(**asked)


def stored(**overrides):
    """The stored document; a value of None drops the key."""
    document = copy.deepcopy(STORED)
    for key, value in overrides.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


# generate_password -------------------------------------------------------------------------------

def test_the_documented_default_exclude_set_holds_what_aurora_refuses():
    for refused in '/@" ':
        assert refused in DEFAULT_EXCLUDE
    assert "\\" in DEFAULT_EXCLUDE and "'" in DEFAULT_EXCLUDE and "`" in DEFAULT_EXCLUDE


@pytest.mark.parametrize("length", [8, 16, 32, 64])
def test_generate_password_has_the_requested_length(length):
    assert len(generate_password(length, DEFAULT_EXCLUDE)) == length


def test_generate_password_never_uses_an_excluded_character_and_always_mixes_classes():
    for _ in range(200):
        password = generate_password(32, DEFAULT_EXCLUDE)
        assert not set(password) & set(DEFAULT_EXCLUDE), password
        assert any(c.islower() for c in password)
        assert any(c.isupper() for c in password)
        assert any(c.isdigit() for c in password)


def test_generate_password_draws_only_from_letters_digits_and_punctuation():
    allowed = set(string.ascii_letters + string.digits + string.punctuation)
    for _ in range(50):
        assert set(generate_password(32, "")) <= allowed


def test_generate_password_honours_a_custom_exclude_set():
    exclude = string.punctuation + "0O1lI"
    for _ in range(100):
        assert not set(generate_password(16, exclude)) & set(exclude)


def test_generate_password_differs_between_calls():
    assert generate_password(32, DEFAULT_EXCLUDE) != generate_password(32, DEFAULT_EXCLUDE)


@pytest.mark.parametrize("length", [7, 1, 0, -1])
def test_generate_password_refuses_a_length_under_eight(length):
    with pytest.raises(ValueError, match="at least 8"):
        generate_password(length, DEFAULT_EXCLUDE)


def test_generate_password_refuses_an_exclude_set_that_removes_every_character():
    with pytest.raises(ValueError, match="exclude_characters"):
        generate_password(32, string.ascii_letters + string.digits + string.punctuation)


# desired_document / public_view ------------------------------------------------------------------

def test_desired_document_maps_every_option_to_its_cdk_key():
    assert desired_document(matching_params()) == {
        "username": "postgres",
        "engine": "postgres",
        "host": STORED["host"],
        "port": 5432,
        "dbname": "nestjs_playground",
        "dbClusterIdentifier": "nestjs-playground-dev",
    }


def test_desired_document_holds_none_for_every_option_not_given():
    assert desired_document(params(host="db.example")) == {
        "username": None,
        "engine": None,
        "host": "db.example",
        "port": None,
        "dbname": None,
        "dbClusterIdentifier": None,
    }


def test_desired_document_never_holds_a_password():
    assert PASSWORD not in desired_document(matching_params())
    assert PASSWORD not in KEYS.values()


def test_public_view_drops_only_the_password():
    view = public_view(stored())
    assert view == {key: value for key, value in STORED.items() if key != "password"}
    assert STORED_PASSWORD not in repr(view)


@pytest.mark.parametrize("document", [None, {}], ids=["none", "empty"])
def test_public_view_of_no_document_is_empty(document):
    assert public_view(document) == {}


def test_public_view_does_not_change_the_document():
    document = stored()
    public_view(document)
    assert document[PASSWORD] == STORED_PASSWORD


# plan --------------------------------------------------------------------------------------------

def test_plan_for_a_new_secret_changes_every_asked_key():
    fields, after = plan(desired_document(params(username="postgres", port=5432, dbname="app")), {}, False)
    assert fields == ["username", "port", "dbname"]
    assert after == {"username": "postgres", "port": 5432, "dbname": "app"}


def test_plan_for_a_new_secret_with_a_none_document_still_builds_one():
    fields, after = plan(desired_document(params(host="db.example")), None, False)
    assert fields == ["host"] and after == {"host": "db.example"}


def test_plan_counts_a_key_absent_from_the_stored_document_as_a_change():
    fields, after = plan(desired_document(matching_params()), stored(host=None), True)
    assert fields == ["host"]
    assert after["host"] == STORED["host"]


def test_plan_counts_every_absent_asked_key_in_key_order():
    document = {"username": "postgres", PASSWORD: STORED_PASSWORD}
    fields, _ = plan(desired_document(matching_params()), document, True)
    assert fields == ["engine", "host", "port", "dbname", "dbClusterIdentifier"]


def test_plan_finds_nothing_when_the_stored_document_matches():
    fields, after = plan(desired_document(matching_params()), stored(), True)
    assert fields == []
    assert after == STORED


def test_plan_compares_the_port_as_a_number():
    fields, _ = plan(desired_document(matching_params(port=5432)), stored(port=5432.0), True)
    assert fields == []
    fields, _ = plan(desired_document(matching_params(port=5432)), stored(port="5432"), True)
    assert fields == ["port"]


def test_plan_changes_only_the_keys_that_differ():
    fields, after = plan(desired_document(matching_params(host="new.example", db_cluster_identifier="other")), stored(), True)
    assert fields == ["host", "dbClusterIdentifier"]
    assert after == dict(STORED, host="new.example", dbClusterIdentifier="other")


def test_plan_keeps_the_stored_password_untouched_while_merging_asked_keys():
    fields, after = plan(desired_document(params(host="new.example")), stored(), True)
    assert fields == ["host"]
    assert after[PASSWORD] == STORED_PASSWORD
    assert after == dict(STORED, host="new.example")


def test_plan_keeps_keys_it_does_not_own():
    document = stored(extra="kept")
    _, after = plan(desired_document(matching_params()), document, True)
    assert after["extra"] == "kept"


def test_plan_leaves_a_stored_value_alone_when_its_option_is_not_given():
    fields, after = plan(desired_document(params()), stored(), True)
    assert fields == []
    assert after == STORED


def test_plan_does_not_change_the_stored_document():
    document = stored()
    plan(desired_document(matching_params(host="new.example")), document, True)
    assert document == STORED


# result_view -------------------------------------------------------------------------------------

def test_result_view_maps_keys_back_to_option_names_without_the_password():
    view = result_view("nestjs-playground-dev-db-credentials", ARN, public_view(stored()), TAGS)
    assert view == {
        "name": "nestjs-playground-dev-db-credentials",
        "arn": ARN,
        "keys": sorted(key for key in STORED if key != PASSWORD),
        "tags": TAGS,
        "username": "postgres",
        "engine": "postgres",
        "host": STORED["host"],
        "port": 5432,
        "dbname": "nestjs_playground",
        "db_cluster_identifier": "nestjs-playground-dev",
    }


def test_result_view_never_shows_the_password_even_when_given_the_full_document():
    view = result_view("name", ARN, stored(), TAGS)
    assert PASSWORD not in view
    assert STORED_PASSWORD not in repr(view)
    assert view["db_cluster_identifier"] == "nestjs-playground-dev"
    assert "dbClusterIdentifier" not in view


@pytest.mark.parametrize("arn", [None, ""], ids=["none", "empty"])
def test_result_view_leaves_out_the_arn_when_there_is_none(arn):
    assert "arn" not in result_view("name", arn, {"username": "postgres"}, {})


def test_result_view_includes_only_the_stored_keys():
    view = result_view("name", ARN, {"username": "postgres", "port": 5432}, {})
    assert view == {"name": "name", "arn": ARN, "keys": ["port", "username"], "tags": {}, "username": "postgres", "port": 5432}


@pytest.mark.parametrize("exclude", [string.ascii_lowercase, string.ascii_uppercase, string.digits,
                                     string.ascii_lowercase + string.digits])
def test_generate_password_ends_when_a_whole_kind_of_character_is_excluded(exclude):
    password = generate_password(16, exclude)
    assert len(password) == 16
    assert not set(password) & set(exclude)


def test_result_view_names_the_password_key_without_its_value():
    document = {"username": "postgres", "password": "s3cret-Value-1", "host": "db.example"}
    view = result_view("name", "arn:x", dict(document, password=None), {})
    assert view["keys"] == ["host", "password", "username"]
    assert "s3cret-Value-1" not in repr(view)
