from ansible_collections.nestjs_playground.infra.plugins.modules.outputs_file import plan


def test_a_missing_file_is_written_and_its_directory_made():
    assert plan("{}\n", None, None, 0o644, False) == {"write": True, "chmod": False, "mkdir": True, "changed": True}


def test_the_same_text_and_mode_change_nothing():
    assert plan("{}\n", "{}\n", 0o644, 0o644, True)["changed"] is False


def test_other_text_is_written_and_another_mode_alone_is_a_chmod():
    assert plan("{}\n", "{\"a\": 1}\n", 0o644, 0o644, True)["write"] is True
    decision = plan("{}\n", "{}\n", 0o600, 0o644, True)
    assert decision["chmod"] and decision["changed"] and not decision["write"]
