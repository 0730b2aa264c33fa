"""Direct execution (plugins/plugin_utils/direct_execution.py): a module run in this process gives the
result its own process would have printed, and leaves this process as it found it."""

import ast
import json
import os
import re
import types

import botocore.session
import pytest

from ansible.module_utils import _internal
from ansible.module_utils import basic
from ansible.module_utils._internal import _traceback
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.nestjs_playground.infra.plugins.plugin_utils import direct_execution
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.direct_execution import AWS_SERVICES
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.direct_execution import DirectExecutionAction
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.direct_execution import run_module
from ansible_collections.nestjs_playground.infra.plugins.plugin_utils.direct_execution import switched_on

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = os.path.join(COLLECTION, "plugins", "modules")
ACTIONS = os.path.join(COLLECTION, "plugins", "action")
PASSWORD = "s3cr3t-Pa55w0rd"

SPEC = dict(
    name=dict(type="str", required=True, aliases=["resource_name"]),
    size=dict(type="int", default=3),
    password=dict(type="str", no_log=True),
    fail=dict(type="str", choices=["fail_json", "raise", "no_exit"]),
)


def _echo_main(supports_check_mode=True):
    def main():
        module = AnsibleModule(argument_spec=SPEC, supports_check_mode=supports_check_mode)
        if module.params["name"] == "warn":
            module.warn("a warning from the module")
        if module.params["fail"] == "fail_json":
            module.fail_json(msg=f"it failed, password {module.params['password']}")
        if module.params["fail"] == "raise":
            raise ValueError("the module raised")
        if module.params["fail"] == "no_exit":
            return
        module.exit_json(
            changed=not module.check_mode,
            params=module.params,
            check_mode=module.check_mode,
            diff_mode=module._diff,
            environment=os.environ.get("DIRECT_EXECUTION_TEST"),
            echo=f"the password is {module.params['password']}",
            diff={"before": {"size": 1}, "after": {"size": module.params["size"]}},
        )
    return types.SimpleNamespace(main=main, __name__="echo")


def internal(check_mode=False, diff=False, no_log=False):
    """The _ansible_* arguments ActionBase._update_module_args adds (the ones these tests vary)."""
    return {
        "_ansible_check_mode": check_mode, "_ansible_no_log": no_log, "_ansible_debug": False, "_ansible_diff": diff,
        "_ansible_verbosity": 0, "_ansible_version": "2.19", "_ansible_module_name": "echo",
        "_ansible_syslog_facility": "LOG_USER", "_ansible_selinux_special_fs": [], "_ansible_shell_executable": "/bin/sh",
        "_ansible_keep_remote_files": False, "_ansible_tmpdir": None, "_ansible_remote_tmp": "~/.ansible/tmp",
        "_ansible_ignore_unknown_opts": False, "_ansible_target_log_info": None, "_ansible_tracebacks_for": [],
    }


def run(args, module=None, environment=None, **flags):
    answer = run_module(module or _echo_main(), dict(args, **internal(**flags)), environment)
    return answer, json.loads(answer["stdout"])


def test_parameters_are_validated_with_defaults_aliases_and_types_as_in_a_module_process():
    answer, result = run({"resource_name": "x", "size": "5"})
    assert answer["rc"] == 0
    assert result["params"]["name"] == "x" and result["params"]["size"] == 5   # alias, and "5" converted to int
    assert run({"name": "x"})[1]["params"]["size"] == 3                         # the default


def test_an_unknown_or_invalid_parameter_fails_the_task_as_the_module_would():
    answer, result = run({"name": "x", "bogus": 1})
    assert answer["rc"] == 1 and result["failed"]
    assert "Unsupported parameters" in result["msg"] and "bogus" in result["msg"]
    answer, result = run({"name": "x", "fail": "explode"})
    assert result["failed"] and "value of fail must be one of" in result["msg"]


def test_no_log_values_are_masked_in_the_result_and_the_invocation():
    answer, result = run({"name": "x", "password": PASSWORD})
    assert PASSWORD not in answer["stdout"] and PASSWORD not in answer["stderr"]
    assert result["invocation"]["module_args"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["echo"] == "the password is ********"


def test_no_log_values_are_masked_in_a_failure_too():
    answer, result = run({"name": "x", "password": PASSWORD, "fail": "fail_json"})
    assert result["failed"] and answer["rc"] == 1
    assert PASSWORD not in answer["stdout"]


def test_check_mode_and_diff_reach_the_module():
    _, result = run({"name": "x", "size": 4}, check_mode=True, diff=True)
    assert result["check_mode"] is True and result["changed"] is False and result["diff_mode"] is True
    assert result["diff"] == {"before": {"size": 1}, "after": {"size": 4}}
    _, result = run({"name": "x"})
    assert result["check_mode"] is False and result["changed"] is True and result["diff_mode"] is False


def test_a_module_without_check_mode_support_is_skipped_in_check_mode():
    _, result = run({"name": "x"}, module=_echo_main(supports_check_mode=False), check_mode=True)
    assert result["skipped"] is True and "check mode" in result["msg"]


def test_warnings_are_returned_with_the_result_not_displayed():
    _, result = run({"name": "warn"})
    assert "a warning from the module" in json.dumps(result["warnings"])
    _, result = run({"name": "quiet"})   # nothing left over from the run before
    assert "warnings" not in result


def test_an_exception_becomes_a_failed_result_and_no_exit_is_an_error():
    answer, result = run({"name": "x", "fail": "raise"})
    assert answer["rc"] == 1 and result["failed"] is True
    assert "the module raised" in json.dumps(result["exception"])
    answer, result = run({"name": "x", "fail": "no_exit"})
    assert answer["rc"] == 1 and result["failed"] is True
    assert "did not handle its own exit" in json.dumps(result["exception"])


def test_the_traceback_follows_the_module_argument():
    answer = run_module(_echo_main(), dict({"name": "x", "fail": "raise"}, **dict(internal(), _ansible_tracebacks_for=["error"])))
    assert "Traceback" in json.dumps(json.loads(answer["stdout"])["exception"])
    answer = run_module(_echo_main(), dict({"name": "x", "fail": "raise"}, **internal()))
    assert "Traceback" not in json.dumps(json.loads(answer["stdout"])["exception"])


def test_the_task_environment_is_set_while_the_module_runs_and_removed_after():
    os.environ.pop("DIRECT_EXECUTION_TEST", None)
    _, result = run({"name": "x"}, environment={"DIRECT_EXECUTION_TEST": "from the task"})
    assert result["environment"] == "from the task"
    assert "DIRECT_EXECUTION_TEST" not in os.environ


def test_the_process_is_left_as_it_was_also_after_a_failure():
    def state():
        return (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE, getattr(basic, "_PARSED_MODULE_ARGS", None),
                _internal.is_controller, _traceback._is_traceback_enabled, dict(os.environ))

    before = state()
    for fail in (None, "fail_json", "raise"):
        run({"name": "x", "password": PASSWORD, "fail": fail} if fail else {"name": "x"}, environment={"DIRECT_EXECUTION_TEST": "1"})
        assert state() == before


@pytest.mark.parametrize("environ, variable, expected", [
    (None, None, True), ("", None, True), ("false", None, False), ("0", None, False), ("true", None, True),
    (None, False, False), (None, "no", False), ("false", True, True), ("true", False, False),
])
def test_the_switch_defaults_on_and_the_variable_wins_over_the_environment(environ, variable, expected):
    assert switched_on(environ, variable) is expected


class _Templar:
    def template(self, value):
        return value


def action(async_val=0, transport="local", become=False, module=True, action_name="nestjs_playground.infra.log_group"):
    """A DirectExecutionAction with just what direct_execution_refusal reads."""
    instance = DirectExecutionAction.__new__(DirectExecutionAction)
    instance._module = types.SimpleNamespace(__name__="log_group") if module else None
    instance._task = types.SimpleNamespace(async_val=async_val, action=action_name)
    instance._connection = types.SimpleNamespace(transport=transport)
    instance._play_context = types.SimpleNamespace(become=become)
    instance._templar = _Templar()
    return instance


def test_a_local_task_runs_in_the_worker_by_default(monkeypatch):
    monkeypatch.delenv("NESTJS_INFRA_DIRECT_EXECUTION", raising=False)
    assert action().direct_execution_refusal(None, {}, False) is None
    assert action().direct_execution_refusal(None, {"ansible_python_interpreter": direct_execution.sys.executable}, False) is None


@pytest.mark.parametrize("changes, task_vars, wrap_async, reason", [
    ({}, {"nestjs_infra_direct_execution": False}, False, "switched off"),
    ({"async_val": 30}, {}, False, "async"),
    ({}, {}, True, "async"),
    ({"transport": "ssh"}, {}, False, "not local"),
    ({"become": True}, {}, False, "become"),
    ({"module": False}, {}, False, "could not be imported"),
    ({}, {"ansible_python_interpreter": "/usr/bin/python2"}, False, "not the controller's Python"),
])
def test_what_takes_the_module_path(monkeypatch, changes, task_vars, wrap_async, reason):
    monkeypatch.delenv("NESTJS_INFRA_DIRECT_EXECUTION", raising=False)
    assert reason in action(**changes).direct_execution_refusal(None, task_vars, wrap_async)


def test_the_environment_variable_switches_every_task_to_the_module_path(monkeypatch):
    monkeypatch.setenv("NESTJS_INFRA_DIRECT_EXECUTION", "false")
    assert "switched off" in action().direct_execution_refusal(None, {}, False)
    assert action().direct_execution_refusal(None, {"nestjs_infra_direct_execution": True}, False) is None


def module_names():
    return sorted(name[:-3] for name in os.listdir(MODULES) if name.endswith(".py") and name != "__init__.py")


def test_every_module_has_its_action_plugin_and_nothing_else_does():
    actions = sorted(name[:-3] for name in os.listdir(ACTIONS) if name.endswith(".py") and name != "__init__.py")
    assert actions == module_names()
    for name in actions:
        with open(os.path.join(ACTIONS, f"{name}.py"), encoding="utf-8") as handle:
            source = handle.read()
        assert "ActionModule = direct_execution_action(__name__)" in source, name


def test_every_module_imports_as_the_action_plugin_imports_it():
    for name in module_names():
        cls = direct_execution.direct_execution_action(f"ansible_collections.nestjs_playground.infra.plugins.action.{name}")
        assert cls._module is not None and callable(cls._module.main), name
        assert issubclass(cls, DirectExecutionAction)


def test_no_module_declares_metadata_so_the_legacy_profile_is_theirs():
    """module_common gives a module without METADATA the 'legacy' profile, which run_module uses."""
    for name in module_names():
        with open(os.path.join(MODULES, f"{name}.py"), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        assigned = {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)}
        assert "METADATA" not in assigned, name


def test_the_preloaded_services_are_the_ones_the_collection_makes_clients_of():
    used = set()
    for directory in (MODULES, os.path.join(COLLECTION, "plugins", "module_utils")):
        for name in os.listdir(directory):
            if name.endswith(".py"):
                with open(os.path.join(directory, name), encoding="utf-8") as handle:
                    # module.client("ecs"), ServiceCalls(module, "ecs"), a Reader's calls("ecs") or a Resource's service = "ecs"
                    used.update(re.findall(r"""(?:client\(|\bcalls\(|ServiceCalls\([\w.]+,|\bservice =)\s*["']([a-z0-9-]+)["']""", handle.read()))
    assert used == set(AWS_SERVICES)


def test_one_loader_serves_every_botocore_session():
    direct_execution.preload_service_models(("sts",))
    first, second = botocore.session.Session(), botocore.session.Session()
    loader = first.get_component("data_loader")
    assert loader is second.get_component("data_loader")
    assert isinstance(loader, direct_execution.SharedLoader)
    paths = list(loader.search_paths)
    loader.search_paths.append(paths[0])   # boto3 appends its data path for every session it makes
    assert list(loader.search_paths) == paths
    # Read with the arguments botocore's client factory passes, so that a client finds it in the cache.
    assert ("load_service_model", "sts", "service-2", "api_version", None) in loader._cache


@pytest.mark.parametrize(("cliargs", "preloaded"), [
    ({"args": ["site.yml"]}, True),                                  # ansible-playbook: every worker shares them
    ({"module_name": "nestjs_playground.infra.log_group", "args": "localhost"}, False),   # ansible -m: one task
])
def test_the_models_are_read_before_the_fork_for_a_playbook_not_for_one_ad_hoc_task(monkeypatch, cliargs, preloaded):
    calls = []
    monkeypatch.setattr(direct_execution.context, "CLIARGS", direct_execution.context.CLIARGS.__class__(cliargs))
    monkeypatch.setattr(direct_execution, "preload_service_models", lambda *args: calls.append(args))
    direct_execution.direct_execution_action("ansible_collections.nestjs_playground.infra.plugins.action.log_group")
    assert bool(calls) is preloaded
