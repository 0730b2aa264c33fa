"""nestjs_playground.infra.outputs_file, in the amazon.aws pattern (create, modify, each in check mode, for real
and again), on the controller's file system: what each step wrote, with which modes."""

import os
import stat

import pytest

pytestmark = pytest.mark.integration

MODULE = "nestjs_playground.infra.outputs_file"


def observe(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return {"text": handle.read(), "mode": stat.S_IMODE(os.stat(path).st_mode),
                "directory_mode": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)}


@pytest.fixture(scope="module")
def steps(ansible, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("outputs") / "new-directory" / "app-dev.json")
    create = {"path": path, "content": '{\n  "a": 1\n}\n'}
    modify = dict(create, content='{\n  "a": 2\n}\n')
    out = {}
    for name, args, check in (
        ("create_check", create, True), ("create", create, False), ("create_again", create, False),
        ("modify_check", modify, True), ("modify", modify, False), ("modify_again", modify, False),
        ("chmod", dict(modify, mode="0600"), False), ("chmod_again", dict(modify, mode="0600"), False),
    ):
        out[name] = (ansible.module(MODULE, args, check=check, diff=True), observe(path))
    return out


@pytest.mark.parametrize("step", ["create_check", "create", "modify_check", "modify", "chmod"])
def test_each_change_is_reported(steps, step):
    assert steps[step][0].get("failed") is not True, steps[step][0]
    assert steps[step][0]["changed"] is True


@pytest.mark.parametrize("step", ["create_again", "modify_again", "chmod_again"])
def test_running_again_changes_nothing(steps, step):
    assert steps[step][0]["changed"] is False, steps[step][0]


def test_check_mode_writes_nothing_and_shows_the_text(steps):
    assert steps["create_check"][1] is None
    assert steps["create_check"][0]["diff"]["after"] == '{\n  "a": 1\n}\n'
    assert steps["modify_check"][1]["text"] == '{\n  "a": 1\n}\n'
    assert (steps["modify_check"][0]["diff"]["before"], steps["modify_check"][0]["diff"]["after"]) == (
        '{\n  "a": 1\n}\n', '{\n  "a": 2\n}\n')


def test_the_file_and_its_new_directory_get_their_modes(steps):
    assert steps["create"][1] == {"text": '{\n  "a": 1\n}\n', "mode": 0o644, "directory_mode": 0o755}
    assert steps["modify"][1]["text"] == '{\n  "a": 2\n}\n'
    assert steps["chmod"][1]["mode"] == 0o600
