import copy
import json

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.ecr_repository import desired_state, plan

POLICY = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire untagged images after 14 days",
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
            "action": {"type": "expire"},
        }
    ]
}
TAGS = {"App": "nestjs-playground", "Env": "dev"}


def params(**overrides):
    base = {"image_tag_mutability": None, "scan_on_push": None, "lifecycle_policy": None, "purge_lifecycle_policy": False}
    base.update(overrides)
    return base


_DEFAULT = object()


def current_state(mutability="MUTABLE", scan=True, policy=_DEFAULT, tags=None):
    """Shaped like Repositories._state()."""
    return {
        "repository_name": "nestjs-playground",
        "repository_arn": "arn:aws:ecr:us-east-1:123456789012:repository/nestjs-playground",
        "repository_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground",
        "registry_id": "123456789012",
        "image_tag_mutability": mutability,
        "scan_on_push": scan,
        "lifecycle_policy": copy.deepcopy(POLICY) if policy is _DEFAULT else policy,
        "tags": dict(TAGS) if tags is None else tags,
    }


def full_desired(**overrides):
    return desired_state(params(**dict({"image_tag_mutability": "MUTABLE", "scan_on_push": True, "lifecycle_policy": POLICY}, **overrides)))


# desired_state ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "policy_param", [json.dumps(POLICY), json.dumps(POLICY, indent=4), POLICY], ids=["json", "pretty-json", "dict"]
)
def test_desired_state_reads_the_policy_as_a_dict(policy_param):
    assert desired_state(params(lifecycle_policy=policy_param))["lifecycle_policy"] == POLICY


def test_desired_state_with_purge_asks_for_an_empty_policy():
    assert desired_state(params(purge_lifecycle_policy=True))["lifecycle_policy"] == {}


def test_desired_state_leaves_unset_fields_none_and_keeps_set_ones():
    assert desired_state(params(scan_on_push=False)) == {
        "image_tag_mutability": None,
        "scan_on_push": False,
        "lifecycle_policy": None,
    }


# plan: creation --------------------------------------------------------------------------------

def test_plan_creates_an_absent_repository_with_defaults_and_tags_and_no_policy_call():
    result = plan(desired_state(params()), None, TAGS, True)
    assert result["create"] is True and result["changed"] is True
    assert result["fields"] == []
    assert result["before"] == {}
    assert result["after"] == {"image_tag_mutability": "MUTABLE", "scan_on_push": False, "lifecycle_policy": {}, "tags": TAGS}


def test_plan_creates_with_asked_settings_and_a_second_call_only_for_the_policy():
    result = plan(full_desired(image_tag_mutability="IMMUTABLE"), None, TAGS, True)
    assert result["create"] is True and result["changed"] is True
    assert result["fields"] == ["lifecycle_policy"]
    assert result["after"] == {"image_tag_mutability": "IMMUTABLE", "scan_on_push": True, "lifecycle_policy": POLICY, "tags": TAGS}


def test_plan_creates_without_policy_call_when_purge_is_asked():
    result = plan(desired_state(params(purge_lifecycle_policy=True)), None, None, True)
    assert result["create"] is True and result["fields"] == []
    assert result["after"]["lifecycle_policy"] == {} and result["after"]["tags"] == {}


# plan: existing repository ----------------------------------------------------------------------

def test_plan_is_a_no_op_when_current_matches_desired_including_the_policy_dict():
    current = current_state()
    result = plan(full_desired(), current, dict(TAGS), True)
    assert result["changed"] is False and result["create"] is False
    assert result["fields"] == [] and result["tags_to_set"] == {} and result["tags_to_remove"] == []
    assert result["before"] == result["after"]


def test_plan_is_a_no_op_when_the_policy_differs_only_in_json_formatting_and_number_type():
    stored = copy.deepcopy(POLICY)
    stored["rules"][0]["selection"]["countNumber"] = 14.0
    desired = full_desired(lifecycle_policy=json.dumps(POLICY, indent=2))
    assert plan(desired, current_state(policy=stored), TAGS, True)["changed"] is False


def test_plan_changes_only_scan_on_push_when_only_it_differs():
    result = plan(full_desired(scan_on_push=False), current_state(scan=True), TAGS, True)
    assert result["changed"] is True and result["fields"] == ["scan_on_push"]
    assert result["after"]["scan_on_push"] is False and result["before"]["scan_on_push"] is True


def test_plan_changes_only_the_policy_when_it_differs():
    other = copy.deepcopy(POLICY)
    other["rules"][0]["selection"]["countNumber"] = 30
    result = plan(full_desired(lifecycle_policy=other), current_state(), TAGS, True)
    assert result["changed"] is True and result["fields"] == ["lifecycle_policy"]
    assert result["after"]["lifecycle_policy"] == other


def test_plan_lists_every_differing_field_in_owned_order():
    result = plan(full_desired(image_tag_mutability="IMMUTABLE", scan_on_push=False, purge_lifecycle_policy=True,
                               lifecycle_policy=None), current_state(), TAGS, True)
    assert result["fields"] == ["image_tag_mutability", "scan_on_push", "lifecycle_policy"]
    assert result["after"]["lifecycle_policy"] == {}


def test_plan_retags_when_tags_differ():
    current = current_state(tags={"App": "nestjs-playground", "Env": "dev", "Stale": "1"})
    result = plan(full_desired(), current, {"App": "nestjs-playground", "Env": "prod"}, True)
    assert result["changed"] is True and result["fields"] == []
    assert result["tags_to_set"] == {"Env": "prod"}
    assert result["tags_to_remove"] == ["Stale"]
    assert result["after"]["tags"] == {"App": "nestjs-playground", "Env": "prod"}


def test_plan_without_purge_tags_keeps_extra_tags_and_reports_no_change():
    current = current_state(tags={"App": "nestjs-playground", "Env": "dev", "Extra": "kept"})
    result = plan(full_desired(), current, {"App": "nestjs-playground"}, False)
    assert result["changed"] is False and result["tags_to_remove"] == []
    assert result["after"]["tags"] == {"App": "nestjs-playground", "Env": "dev", "Extra": "kept"}


def test_plan_with_tags_none_leaves_current_tags_alone():
    result = plan(full_desired(), current_state(), None, True)
    assert result["changed"] is False and result["after"]["tags"] == TAGS


@pytest.mark.parametrize("stored", [{}, None], ids=["empty-dict", "none"])
def test_plan_purging_an_absent_policy_is_no_change(stored):
    desired = desired_state(params(purge_lifecycle_policy=True))
    result = plan(desired, current_state(policy=stored), TAGS, True)
    assert result["changed"] is False and result["fields"] == []
    assert result["before"]["lifecycle_policy"] == {} and result["after"]["lifecycle_policy"] == {}


def test_plan_with_nothing_asked_leaves_an_existing_repository_alone():
    current = current_state(mutability="IMMUTABLE", scan=False)
    result = plan(desired_state(params()), current, None, True)
    assert result["changed"] is False and result["fields"] == []
    assert result["after"] == {"image_tag_mutability": "IMMUTABLE", "scan_on_push": False, "lifecycle_policy": POLICY, "tags": TAGS}


def test_plan_does_not_mutate_current():
    current = current_state()
    snapshot = copy.deepcopy(current)
    plan(full_desired(scan_on_push=False, purge_lifecycle_policy=True, lifecycle_policy=None), current, {"X": "1"}, True)
    assert current == snapshot


# ---- the Resource, against a stubbed client -------------------------------------------------------

def test_a_repository_another_environment_created_meanwhile_is_planned_again_not_a_failure():
    """dev and qa of one account share the repository and converge at once (two hosts of one inventory): the second
    CreateRepository answers RepositoryAlreadyExistsException, which is CHANGED_MEANWHILE, so run() describes again."""
    from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import CHANGED_MEANWHILE
    from ansible_collections.nestjs_playground.infra.plugins.modules.ecr_repository import Repository
    from ansible_collections.nestjs_playground.infra.tests.unit.plugins.module_utils.test_resource import FakeModule

    module = FakeModule(dict(params(image_tag_mutability="MUTABLE", scan_on_push=True, lifecycle_policy=POLICY),
                             name="nestjs-playground", state="present", tags=TAGS, purge_tags=True))
    repository = Repository(module)
    decision = repository.plan(None)
    stubber = module.stubber("ecr")
    stubber.add_client_error("create_repository", "RepositoryAlreadyExistsException")
    with stubber:
        assert repository.apply(decision, None) is CHANGED_MEANWHILE
    stubber.assert_no_pending_responses()
