import os
import sys

import run_ansible_test


def test_sanity_runs_in_its_own_virtual_environments_with_this_python_over_the_plugins_by_default():
    cmd = run_ansible_test.ansible_test_command("sanity", [])
    python = "%d.%d" % sys.version_info[:2]
    assert cmd[1:] == ["sanity", "--venv", "--python", python, "--color", "no", "plugins/", "meta/", "changelogs/"]


def test_units_run_the_plugin_unit_tests_by_default():
    assert run_ansible_test.ansible_test_command("units", [])[-1:] == ["tests/unit/plugins/"]


def test_targets_given_replace_the_default_ones_and_options_are_passed_on():
    cmd = run_ansible_test.ansible_test_command("sanity", ["--test", "pylint", "plugins/modules/ecr_repository.py"])
    assert cmd[-3:] == ["--test", "pylint", "plugins/modules/ecr_repository.py"]
    assert "plugins/" not in cmd


def test_options_alone_keep_the_default_targets():
    cmd = run_ansible_test.ansible_test_command("sanity", ["--test", "pylint"])
    assert cmd[-5:] == ["--test", "pylint", "plugins/", "meta/", "changelogs/"]


def test_the_copy_is_a_real_collection_directory_without_the_link_back_to_the_checkout(tmp_path):
    target = run_ansible_test.copy_collection(str(tmp_path))
    assert target == os.path.join(str(tmp_path), "ansible_collections", "nestjs_playground", "infra")
    assert os.path.isdir(target) and not os.path.islink(target)
    assert os.path.isfile(os.path.join(target, "galaxy.yml"))
    assert not os.path.lexists(os.path.join(target, ".collections"))
    link = os.path.join(target, "inventories", "dev", "group_vars", "all.yml")
    assert os.path.islink(link) and os.path.isfile(link)


def test_the_link_back_to_the_checkout_is_copied_only_when_asked_for():
    assert not [path for path in run_ansible_test.tracked_files() if path.startswith(".collections/")]
    assert ".collections/ansible_collections/nestjs_playground/infra" in run_ansible_test.tracked_files(skip=())


def test_the_dependencies_are_those_galaxy_yml_names_and_the_ansible_package_carries():
    assert run_ansible_test.dependencies() == ["amazon.aws", "community.aws"]
    for fqcn in run_ansible_test.dependencies():
        assert os.path.isfile(os.path.join(run_ansible_test.installed_collection(fqcn), "MANIFEST.json"))


def test_the_pip_bootstrap_is_written_once_for_the_pip_release_ansible_test_asks_for(tmp_path):
    version = run_ansible_test.pip_version_for_ansible_test()
    wheel = tmp_path / f"pip-{version}-py3-none-any.whl"
    wheel.write_bytes(b"")   # present: nothing is downloaded
    script = tmp_path / f"get_pip_{version.replace('.', '_')}.py"
    script.write_text("already here", encoding="utf-8")
    assert run_ansible_test.ensure_pip_bootstrap(str(tmp_path)) == str(script)
    assert script.read_text(encoding="utf-8") == "already here"


def test_the_bootstrap_script_installs_with_the_wheel_on_its_path_and_drops_options_pip_does_not_know():
    text = run_ansible_test.BOOTSTRAP.format(version="24.2", wheel="pip-24.2-py3-none-any.whl")
    compile(text, "get_pip_24_2.py", "exec")
    assert '"pip-24.2-py3-none-any.whl"' in text
    assert '("--no-setuptools", "--no-wheel")' in text
