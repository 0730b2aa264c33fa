"""Finding one ACTIVE revision of a family: the latest, a given one, the one before another, or one running an image."""

import datetime

import pytest

from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition_info import candidates
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition_info import matches
from ansible_collections.nestjs_playground.infra.plugins.modules.ecs_task_definition_info import summary

ACTIVE = [9, 7, 6, 3]   # newest first; 8, 5 and 4 were deregistered
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/nestjs-playground"


@pytest.mark.parametrize("selector, expected", [
    ({}, [9, 7, 6, 3]),                       # the latest: the first that matches
    ({"revision": 7}, [7]),
    ({"revision": 8}, []),                    # deregistered: not an ACTIVE revision
    ({"before_revision": 9}, [7]),            # the previous ACTIVE one, skipping the deregistered 8
    ({"before_revision": 8}, [7]),            # before a revision that is no longer ACTIVE
    ({"before_revision": 3}, []),             # nothing before the oldest
    ({"before_revision": 100}, [9]),
])
def test_the_revisions_described_are_only_those_that_can_match(selector, expected):
    assert candidates(ACTIVE, **selector) == expected


def test_no_active_revision_has_no_candidate():
    assert candidates([], before_revision=2) == [] and candidates([]) == []


def test_the_summary_names_the_revision_and_the_images_of_its_containers():
    definition = {
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/nestjs-playground-dev:7",
        "family": "nestjs-playground-dev", "revision": 7,
        "containerDefinitions": [{"name": "nestjs-playground", "image": f"{IMAGE}:1.4.2"}],
        "registeredAt": datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.timezone.utc),
    }
    found = summary(definition)
    assert found == {
        "task_definition_arn": definition["taskDefinitionArn"], "family": "nestjs-playground-dev", "revision": 7,
        "images": [f"{IMAGE}:1.4.2"], "containers": {"nestjs-playground": f"{IMAGE}:1.4.2"},
        "registered_at": "2026-11-01T12:00:00+00:00",
    }
    assert matches(found, f"{IMAGE}:1.4.2") and matches(found, None)
    assert not matches(found, f"{IMAGE}:1.4.3")
