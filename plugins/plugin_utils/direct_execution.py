# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Direct execution: this collection's modules run inside Ansible's worker process, not in a new one.

Every module of ``plugins/modules/`` has an action plugin of the same name in ``plugins/action/`` that is
one call to :func:`direct_execution_action`. The pattern is ansible.netcommon's (``plugins/action/
network.py``, ``import_modules``), and what it saves is the module process: a new Python that imports
``ansible.module_utils.basic``, boto3 and amazon.aws and reads botocore's service model, about half a
second per task before its first AWS call.

How one task runs:

1. The controller's main process loads a task's action plugin class before it forks the task's worker
   (the strategy's ``action_loader.get(..., class_only=True)``). Loading the plugin imports this file,
   boto3, botocore, amazon.aws's module_utils and the module itself, and reads the botocore service
   models the plugin names into one loader shared by every botocore session (:class:`SharedLoader`).
   All of that happens once per ``ansible-playbook`` run; every worker inherits it through ``fork``.
2. In the worker, ``_execute_module`` builds the module's arguments exactly as the module path does
   (``_update_module_args``: check mode, diff, no_log, verbosity...; ``module_defaults`` are already in
   the task's arguments), encodes them with the module's serialization profile, and hands them to the
   module the way AnsiballZ does (``basic._ANSIBLE_ARGS``), so ``AnsibleModule`` decodes and validates them
   itself: argument spec, defaults, aliases, ``no_log`` values, ``supports_check_mode``.
3. The module's ``main()`` runs with the task's ``environment:`` applied to this worker's ``os.environ``,
   in the module's own view of ``ansible.module_utils`` (not the controller's: warnings and deprecations
   are collected into the result, tracebacks follow ``_ansible_tracebacks_for`` as in a module process),
   and its printed JSON is captured. An exception it raises becomes the failed result AnsiballZ would
   have printed. Everything it changed in this process is put back afterwards.
4. The captured output goes through the controller's ``_parse_returned_data`` and the same clean-up as
   the module path's, so the task's result is the module process's result.

The module path is still there, and taken (with the reason at ``-vvvv``) when direct execution is
switched off (``NESTJS_INFRA_DIRECT_EXECUTION=false`` in the environment, or the variable
``nestjs_infra_direct_execution: false``), for ``async`` tasks, ``become``, a connection other than
``local``, or a ``ansible_python_interpreter`` other than the controller's own Python.
"""

import contextlib
import importlib
import io
import json
import os
import sys

from ansible import context
from ansible.module_utils import _internal
from ansible.module_utils import basic
from ansible.module_utils._internal import _traceback
from ansible.module_utils._internal._ansiballz import _loader as ansiballz_loader
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.common.json import Direction
from ansible.module_utils.common.json import get_module_encoder
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.module_utils.six import string_types
from ansible.plugins.action.normal import ActionModule as NormalActionModule
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

# Imported here, in the controller's main process, so that no worker imports them again. Without them the
# modules report the missing library themselves, as they do through the module path.
try:
    import botocore.exceptions
    import botocore.loaders
    import botocore.session
except ImportError:
    botocore = None
try:
    import boto3  # noqa: F401  pylint: disable=unused-import
    from ansible_collections.amazon.aws.plugins.module_utils import modules as _amazon_aws_modules  # noqa: F401  pylint: disable=unused-import
except ImportError:
    pass

display = Display()

SWITCH_ENVIRONMENT_VARIABLE = "NESTJS_INFRA_DIRECT_EXECUTION"
SWITCH_VARIABLE = "nestjs_infra_direct_execution"

# The serialization profile Ansible gives a module that declares no METADATA (module_common's default);
# no module of this collection declares one (a unit test holds that).
SERIALIZATION_PROFILE = "legacy"

PREFIX = "nestjs_playground.infra direct execution:"

# The botocore services this collection's modules and module_utils make clients of (a unit test holds
# the list to their ``client("...")`` calls). Their models are read once, before the first worker forks:
# 0.36 s on the 2-core machine, of which EC2's model is 0.2 s (docs/performance.md).
AWS_SERVICES = (
    "acm", "application-autoscaling", "cloudformation", "cloudwatch", "ec2", "ecr", "ecs", "elbv2", "iam", "kms", "logs",
    "rds", "route53", "secretsmanager", "sns", "ssm", "sts",
)


class _SearchPaths(list):
    """A loader's search paths that keep each path once: boto3 appends its own data path to the loader
    of every session it makes, and with one shared loader that would be one more entry per session."""

    def append(self, path):
        if path not in self:
            super().append(path)


if botocore is not None:

    class SharedLoader(botocore.loaders.Loader):
        """One botocore data loader for every session of this process and of the workers forked from it.

        botocore reads a service's model (``service-2``, ``endpoint-rule-set-1``) from disk once per
        loader, and amazon.aws makes a new session (so a new loader) for every client: 0.2 s for EC2's
        model, 5-25 ms for the others, in every task. Models read here before the fork are read once
        per run. Loaders cache what they read and never change it, which is why botocore itself shares
        one between all the clients of a session.
        """

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._search_paths = _SearchPaths(self._search_paths)

    _shared_loaders = {}

    def shared_loader(search_path_string=None):
        """botocore.loaders.create_loader with one loader per data path (``AWS_DATA_PATH``) per process."""
        if search_path_string not in _shared_loaders:
            paths = [os.path.expanduser(p) for p in search_path_string.split(os.pathsep)] if search_path_string else None
            _shared_loaders[search_path_string] = SharedLoader(extra_search_paths=paths)
        return _shared_loaders[search_path_string]

    # botocore.session makes each new session's loader with the create_loader it imported.
    botocore.session.create_loader = shared_loader


def preload_service_models(services=AWS_SERVICES):
    """Reads the models of ``services`` (botocore names: ``ec2``, ``elbv2``...) into the shared loader."""
    if botocore is None or _preloaded.issuperset(services):
        return
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    loader.load_data("endpoints")
    loader.load_data("partitions")
    loader.load_data("sdk-default-configuration")
    loader.load_data("_retry")
    for service in services:
        # With the arguments botocore's client factory passes: the loader's cache is keyed by them.
        model = loader.load_service_model(service, "service-2", api_version=None)
        loader.load_service_model(service, "endpoint-rule-set-1", api_version=None)
        with contextlib.suppress(botocore.exceptions.DataNotFoundError):
            loader.load_service_model(service, "paginators-1", model["metadata"]["apiVersion"])
        # A client turns every operation name into its method name (DescribeVpcs -> describe_vpcs) through
        # botocore's process-wide cache: filled here, every worker's client finds the names made (EC2: 700).
        for operation in model.get("operations", ()):
            botocore.xform_name(operation)
    _preloaded.update(services)


_preloaded = set()


def ad_hoc():
    """Whether this process runs one ad hoc module (``ansible -m``), not a playbook.

    Its one task needs one or two services' models, which its worker reads as it makes their clients:
    reading all of them first, for workers that will not use them, made an ad hoc run 0.5-0.9 s slower
    (2-core machine, under load; docs/performance.md).
    """
    return bool(context.CLIARGS.get("module_name"))


@contextlib.contextmanager
def module_process_view(json_params, profile, environment):
    """Inside this block, this process looks to ``ansible.module_utils`` as a module process does.

    ``basic._ANSIBLE_ARGS`` and ``_ANSIBLE_PROFILE`` are set as AnsiballZ sets them, ``is_controller`` is
    off (so warnings and deprecations are collected into the result, not displayed), tracebacks follow
    the module's ``_ansible_tracebacks_for`` argument, and ``environment`` is set in ``os.environ``.
    Everything is put back on the way out, also when the module raised.
    """
    saved = {
        "args": basic._ANSIBLE_ARGS,
        "profile": basic._ANSIBLE_PROFILE,
        "parsed_args": getattr(basic, "_PARSED_MODULE_ARGS", None),   # set by the module's _load_params
        "is_controller": _internal.is_controller,
        "traceback_enabled": _traceback._is_traceback_enabled,
        "traceback_events": _traceback._module_tracebacks_enabled_events,
        "environ": dict(os.environ),
    }
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()
    try:
        basic._ANSIBLE_ARGS = json_params
        basic._ANSIBLE_PROFILE = profile
        _internal.is_controller = False
        _traceback._is_traceback_enabled = _traceback._is_module_traceback_enabled
        _traceback._module_tracebacks_enabled_events = None
        os.environ.update({str(key): str(value) for key, value in environment.items()})
        yield
    finally:
        basic._ANSIBLE_ARGS = saved["args"]
        basic._ANSIBLE_PROFILE = saved["profile"]
        basic._PARSED_MODULE_ARGS = saved["parsed_args"]
        _internal.is_controller = saved["is_controller"]
        _traceback._is_traceback_enabled = saved["traceback_enabled"]
        _traceback._module_tracebacks_enabled_events = saved["traceback_events"]
        os.environ.clear()
        os.environ.update(saved["environ"])
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()


def run_module(module, module_args, environment=None, profile=SERIALIZATION_PROFILE):
    """Runs ``module.main()`` with ``module_args`` as AnsiballZ runs a module in a process of its own.

    Returns what that process would have given the controller: ``rc``, ``stdout`` (the result's JSON
    and anything else the module printed) and ``stderr``. A module that raises returns the failed
    result AnsiballZ prints for it (``_handle_exception``), with ``rc`` 1.
    """
    encoder = get_module_encoder(profile, Direction.CONTROLLER_TO_MODULE)
    json_params = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}, cls=encoder).encode()
    stdout, stderr = io.StringIO(), io.StringIO()
    rc = 0
    with module_process_view(json_params, profile, environment or {}):
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    module.main()
                    raise RuntimeError("New-style module did not handle its own exit.")
                except Exception as ex:  # pylint: disable=broad-exception-caught
                    # As AnsiballZ does: any exception but SystemExit (how a module exits) is a failed result.
                    ansiballz_loader._handle_exception(ex, profile)
        except SystemExit as ex:
            rc = ex.code if isinstance(ex.code, int) else (0 if ex.code is None else 1)
    return {"rc": rc, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


def switched_on(environ_value, variable_value):
    """Whether direct execution is on: the variable wins over the environment; both default to on."""
    for value in (variable_value, environ_value):
        if value is not None and value != "":
            return boolean(value, strict=False)
    return True


class DirectExecutionAction(NormalActionModule):
    """The action plugin of one module of this collection (``_module``): runs it in the worker."""

    _module = None  # the imported module, set by direct_execution_action()

    def _execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None, persist_files=False,
                        delete_remote_tmp=None, wrap_async=False, ignore_unknown_opts=False):
        task_vars = task_vars if task_vars is not None else {}
        refusal = self.direct_execution_refusal(module_name, task_vars, wrap_async)
        if refusal:
            display.vvvv(f"{PREFIX} {self._task.action} takes the module path: {refusal}")
            return super()._execute_module(
                module_name=module_name, module_args=module_args, tmp=tmp, task_vars=task_vars,
                persist_files=persist_files, delete_remote_tmp=delete_remote_tmp, wrap_async=wrap_async,
                ignore_unknown_opts=ignore_unknown_opts,
            )
        module_name = module_name or self._task.action
        module_args = self._task.args if module_args is None else module_args
        self._update_module_args(module_name, module_args, task_vars, ignore_unknown_opts=ignore_unknown_opts)
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        display.vvvv(f"{PREFIX} running {self._module.__name__} in the worker")
        data = self._parse_returned_data(run_module(self._module, module_args, environment), SERIALIZATION_PROFILE)
        # The rest of ActionBase._execute_module's clean-up of a module's result.
        if data.pop("_ansible_suppress_tmpdir_delete", False):
            self._cleanup_remote_tmp = False
        if "results" in data and (not isinstance(data["results"], list) or isinstance(data["results"], string_types)):
            data["ansible_module_results"] = data.pop("results")
            display.warning("Found internal 'results' key in module return, renamed to 'ansible_module_results'.")
        remove_internal_keys(data)
        for stream in ("stdout", "stderr"):
            if stream in data and f"{stream}_lines" not in data:
                data[f"{stream}_lines"] = (data.get(stream) or "").splitlines()
        return data

    def direct_execution_refusal(self, module_name, task_vars, wrap_async):
        """Why this task takes the module path instead (a sentence), or None when it runs in the worker."""
        if self._module is None:
            return "the module could not be imported on the controller"
        if module_name not in (None, self._task.action):
            return f"the action runs another module ({module_name})"
        variable = task_vars.get(SWITCH_VARIABLE)
        if variable is not None:
            variable = self._templar.template(variable)
        if not switched_on(os.environ.get(SWITCH_ENVIRONMENT_VARIABLE), variable):
            return f"switched off ({SWITCH_ENVIRONMENT_VARIABLE} or {SWITCH_VARIABLE})"
        if wrap_async or self._task.async_val:
            return "async tasks run as module processes"
        if getattr(self._connection, "transport", None) != "local":
            return f"the connection is {getattr(self._connection, 'transport', None)!r}, not local"
        if self._play_context.become:
            return "become runs the module as another user"
        interpreter = task_vars.get("ansible_python_interpreter")
        if interpreter is not None:
            interpreter = self._templar.template(interpreter)
        if interpreter and not str(interpreter).startswith("auto") and os.path.normpath(str(interpreter)) != os.path.normpath(sys.executable):
            return f"ansible_python_interpreter is {interpreter}, not the controller's Python ({sys.executable})"
        return None


def direct_execution_action(action_plugin_name):
    """The ``ActionModule`` class of the action plugin ``action_plugin_name`` (its ``__name__``).

    Imports the module of the same name (``...plugins.modules.<name>``) and, for a playbook, reads the
    botocore models of the collection's services (once), now, in the controller's main process, so that
    every worker has them (an ad hoc run's one worker reads its own: :func:`ad_hoc`).
    """
    module_name = action_plugin_name.replace(".plugins.action.", ".plugins.modules.")
    try:
        module = importlib.import_module(module_name)
    except ImportError as ex:
        display.vvvv(f"{PREFIX} {module_name} could not be imported ({ex}); its tasks take the module path")
        module = None
    if not ad_hoc():
        preload_service_models()
    short_name = module_name.rsplit(".", 1)[-1]
    return type(f"{short_name}_ActionModule", (DirectExecutionAction,), {"_module": module, "__module__": action_plugin_name})
