"""nestjs_playground.infra.ecr_repository against the local AWS endpoint, in the amazon.aws pattern:
create / modify / delete, each in check mode, for real, and again; the real state read after each."""

import json

import pytest

pytestmark = pytest.mark.integration

NAME = "module-test"
MODULE = "nestjs_playground.infra.ecr_repository"


def policy(days):
    return {"rules": [{
        "rulePriority": 1,
        "description": f"Expire untagged images after {days} days",
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": days},
        "action": {"type": "expire"},
    }]}


CREATE = {"name": NAME, "scan_on_push": True, "image_tag_mutability": "MUTABLE", "lifecycle_policy": policy(14),
          "tags": {"App": "a", "Env": "dev", "Owner": "o"}}
MODIFY = {"name": NAME, "scan_on_push": False, "image_tag_mutability": "IMMUTABLE", "lifecycle_policy": policy(7),
          "tags": {"App": "a", "Env": "qa"}}
DELETE = {"name": NAME, "state": "absent", "force_delete": True}


def observe(ecr):
    """What the emulator holds for the repository, or None."""
    repos = ecr.describe_repositories()["repositories"]
    if not repos:
        return None
    (repo,) = repos
    tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    try:
        text = ecr.get_lifecycle_policy(repositoryName=NAME)["lifecyclePolicyText"]
    except ecr.exceptions.LifecyclePolicyNotFoundException:
        text = None
    return {
        "scan_on_push": repo["imageScanningConfiguration"]["scanOnPush"],
        "image_tag_mutability": repo["imageTagMutability"],
        "lifecycle_policy": json.loads(text) if text else None,
        "tags": {t["Key"]: t["Value"] for t in tags},
        "images": len(ecr.list_images(repositoryName=NAME)["imageIds"]),
    }


def push_image(ecr):
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1,
                           "digest": "sha256:" + "a" * 64}, "layers": []}
    ecr.put_image(repositoryName=NAME, imageManifest=json.dumps(manifest), imageTag="v1")


@pytest.fixture(scope="module")
def steps(ansible):
    ecr = ansible.client("ecr")
    out = {}

    def step(name, args, check=False):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(ecr))

    step("create_check", CREATE, check=True)
    step("create", CREATE)
    step("create_again", CREATE)
    step("modify_check", MODIFY, check=True)
    step("modify", MODIFY)
    step("modify_again", MODIFY)
    push_image(ecr)
    step("delete_unforced", dict(DELETE, force_delete=False))
    step("delete_check", DELETE, check=True)
    step("delete", DELETE)
    step("delete_again", DELETE)
    return out


def test_create_in_check_mode_reports_a_change_and_creates_nothing(steps):
    result, state = steps["create_check"]
    assert result["changed"] is True
    assert state is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["lifecycle_policy"] == policy(14)


def test_create_makes_the_repository_as_asked(steps):
    result, state = steps["create"]
    assert result["changed"] is True
    assert state == {"scan_on_push": True, "image_tag_mutability": "MUTABLE", "lifecycle_policy": policy(14),
                     "tags": CREATE["tags"], "images": 0}
    assert result["repository"]["repository_uri"].endswith("/" + NAME)
    assert result["repository"]["repository_arn"].endswith(":repository/" + NAME)


def test_create_again_changes_nothing(steps):
    result, state = steps["create_again"]
    assert result["changed"] is False
    assert state == steps["create"][1]


def test_modify_in_check_mode_reports_the_diff_and_modifies_nothing(steps):
    result, state = steps["modify_check"]
    assert result["changed"] is True
    assert state == steps["create"][1]
    assert result["diff"]["before"]["scan_on_push"] is True and result["diff"]["after"]["scan_on_push"] is False
    assert result["diff"]["after"]["tags"] == MODIFY["tags"]
    assert result["diff"]["after"]["lifecycle_policy"] == policy(7)


def test_modify_changes_every_field_and_purges_the_dropped_tag(steps):
    result, state = steps["modify"]
    assert result["changed"] is True
    assert state == {"scan_on_push": False, "image_tag_mutability": "IMMUTABLE", "lifecycle_policy": policy(7),
                     "tags": MODIFY["tags"], "images": 0}


def test_modify_again_changes_nothing(steps):
    assert steps["modify_again"][0]["changed"] is False


def test_delete_of_a_repository_with_images_needs_force_delete(steps):
    result, state = steps["delete_unforced"]
    assert result.get("failed") is True
    assert "force_delete" in result["msg"]
    assert state["images"] == 1


def test_delete_in_check_mode_reports_a_change_and_deletes_nothing(steps):
    result, state = steps["delete_check"]
    assert result["changed"] is True
    assert state is not None


def test_delete_removes_the_repository_and_its_images(steps):
    result, state = steps["delete"]
    assert result["changed"] is True
    assert state is None


def test_delete_again_changes_nothing(steps):
    assert steps["delete_again"][0]["changed"] is False
