"""Which image tags a repository holds, and what it holds instead of a missing one."""

import datetime

from ansible_collections.nestjs_playground.infra.plugins.modules.ecr_image_info import image_summary
from ansible_collections.nestjs_playground.infra.plugins.modules.ecr_image_info import recent_tags


def pushed(day):
    return datetime.datetime(2026, 11, day, tzinfo=datetime.timezone.utc)


def test_an_image_is_summarised_with_its_digest_push_time_and_every_tag():
    detail = {"imageDigest": "sha256:abc", "imagePushedAt": pushed(3), "imageTags": ["latest", "1.4.2"]}
    assert image_summary("1.4.2", detail) == {
        "tag": "1.4.2", "digest": "sha256:abc", "pushed_at": "2026-11-03T00:00:00+00:00", "tags": ["1.4.2", "latest"]}


def test_the_recent_tags_come_newest_first_each_once_and_at_most_as_many_as_asked():
    details = [
        {"imagePushedAt": pushed(1), "imageTags": ["1.0.0"]},
        {"imagePushedAt": pushed(5), "imageTags": ["latest", "1.2.0"]},
        {"imagePushedAt": pushed(3), "imageTags": ["1.1.0"]},
        {"imagePushedAt": pushed(4)},   # untagged
    ]
    assert recent_tags(details, 10) == ["1.2.0", "latest", "1.1.0", "1.0.0"]
    assert recent_tags(details, 2) == ["1.2.0", "latest"]
    assert recent_tags([], 10) == []
