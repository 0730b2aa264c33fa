# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The anatomy every managing module of this collection shares: its AWS calls, its tags, its run.

A module file holds its documentation, its argument spec, its pure decisions (``plan()``) and a
:class:`Resource`: the few AWS calls that read, change and delete its one resource. Everything around them
lives here, once:

- :class:`ServiceCalls`: one service's client, retried through throttling (``throttling.jittered_backoff``),
  and the error layer. ``call()`` names the action in the failure (``fail_json_aws``, as amazon.aws's
  ``AWSErrorHandler`` does) and, with ``missing=``, turns the service's not-found codes into a value: a
  describe returns None for a resource that is not there, a delete of one already gone changes nothing.
  The not-found codes are the service's (:data:`NOT_FOUND_CODES`), said once.
- The tagging adapters (:class:`TagAdapter` and one per API family): how a service reads and writes tags
  (a list of ``Key``/``Value`` or ``key``/``value``, a dict, by ARN or by name), so that a module only says
  which family its service is.
- :func:`run`: the present/absent dispatch, check mode (nothing is applied), the diff of the owned fields
  and the one result the module exits with. Every function returns; the module calls ``exit_json`` once.
- :func:`resource_argument_spec` and :func:`run_module`: the options every managing module takes (its name, ``state``,
  ``tags``, ``purge_tags``) and its ``main()``, from the ``AnsibleAWSModule`` to the one ``exit_json``.

The shape of a module::

    class LogGroup(Resource):
        def describe(self): ...           # the current state (owned fields, identity), or None
        def plan(self, current): ...      # the pure decision: before, after, changed and the steps
        def apply(self, decision, current): ...   # the steps, in AWS; returns the state after (or None)
        def delete(self, current): ...
        def result(self, decision, state): ...    # what the module returns under its result key

    def main():
        run_module(LogGroup, "log_group", resource_argument_spec(retention=dict(type="int")))
"""

import contextlib

try:
    import botocore
    import botocore.waiter
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import make_diff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_tags import ecs_tag_list
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_tags import ecs_tags_to_dict
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import jittered_backoff
from ansible_collections.nestjs_playground.infra.plugins.module_utils.throttling import wait_through_throttling

# The codes each service answers for a resource that is not there (botocore's service names).
NOT_FOUND_CODES = {
    "elbv2": ("LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound"),
    "ec2": ("InvalidGroup.NotFound",),
    "iam": ("NoSuchEntity",),
    "cloudwatch": ("ResourceNotFound",),
    "ecs": ("ClusterNotFoundException", "ServiceNotFoundException"),
    "application-autoscaling": ("ObjectNotFoundException",),
    "ecr": ("RepositoryNotFoundException", "LifecyclePolicyNotFoundException"),
    "logs": ("ResourceNotFoundException",),
    "secretsmanager": ("ResourceNotFoundException",),
    "rds": ("DBSubnetGroupNotFoundFault", "DBClusterNotFoundFault", "DBInstanceNotFound", "DBInstanceNotFoundFault",
            "DBClusterParameterGroupNotFound", "DBParameterGroupNotFound", "DBClusterSnapshotNotFoundFault"),
    "sns": ("NotFound",),
}

# The codes each service answers for a create whose resource another caller created first.
ALREADY_EXISTS_CODES = {
    "ecr": ("RepositoryAlreadyExistsException",),
    "elbv2": ("DuplicateLoadBalancerName",),
    "ec2": ("InvalidGroup.Duplicate",),
    "iam": ("EntityAlreadyExists",),
    "logs": ("ResourceAlreadyExistsException",),
    "rds": ("DBSubnetGroupAlreadyExists", "DBSubnetGroupAlreadyExistsFault", "DBClusterAlreadyExistsFault",
            "DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault", "DBParameterGroupAlreadyExists",
            "DBClusterSnapshotAlreadyExistsFault"),
}

# ``missing`` and ``exists`` not given: the error is a failure like any other.
_RAISE = object()


def fail_with(module, problem):
    """Fails the module with ``problem``: a message, or ``fail_json``'s arguments (``msg`` and more keys)."""
    module.fail_json(**(problem if isinstance(problem, dict) else {"msg": problem}))


class ServiceCalls:
    """One AWS service's client, every call retried through throttling and failed with its action named."""

    def __init__(self, module, service):
        self.module = module
        self.service = service
        self.retry = jittered_backoff()
        self.client = module.client(service, retry_decorator=self.retry)
        self.not_found = NOT_FOUND_CODES.get(service, ())
        self.already_exists = ALREADY_EXISTS_CODES.get(service, ())

    @contextlib.contextmanager
    def failing(self, action):
        """Inside: a botocore error fails the module with ``Unable to <action>`` and the error's own words."""
        try:
            yield
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            self.module.fail_json_aws(e, msg=f"Unable to {action}")

    def call(self, action, operation, missing=_RAISE, exists=_RAISE, refusals=None, answers=None, **params):
        """``client.<operation>(**params)``, retried. ``missing`` is returned when the resource is not there
        (one of the service's not-found codes), ``exists`` when a create finds it made meanwhile (one of its
        already-exists codes); without them those are failures too. ``answers`` maps other error codes to the
        value returned for them (a read that tells two absences apart, a malformed id read as no resource).
        ``refusals`` maps an error code AWS answers when it refuses the call to the problem the module fails
        with instead of AWS's words (see :func:`fail_with`; a callable gives it when the refusal comes)."""
        with self.failing(action):
            try:
                return getattr(self.client, operation)(aws_retry=True, **params)
            except botocore.exceptions.ClientError as e:
                code = e.response.get("Error", {}).get("Code")
                if code in (refusals or {}):
                    refusal = refusals[code]
                    fail_with(self.module, refusal() if callable(refusal) else refusal)
                return self._answer(e, missing, exists, answers)

    def pages(self, action, operation, missing=_RAISE, answers=None, **params):
        """Every page of a paginated read, merged (amazon.aws's ``paginated_query_with_retries``)."""
        with self.failing(action):
            try:
                return paginated_query_with_retries(self.client, operation, retry_decorator=self.retry, **params)
            except botocore.exceptions.ClientError as e:
                return self._answer(e, missing, _RAISE, answers)

    def wait(self, waiter_name, what, timeout, delay, state=None, failures=(), explain=None, **params):
        """Waits (the client's ``waiter_name``, polled every ``delay`` s, through throttling) until ``what``
        is as the waiter wants it, failing after ``timeout`` s with what it waited for: ``what`` did not become
        ``state`` (by default the waiter's last word: ``services_stable``, stable).

        ``failures``: more acceptors (botocore's waiter shape, without ``state``) that end the wait as a failure
        as soon as one matches - what the waiter would otherwise wait out until the timeout. ``explain``: called
        when the wait fails, its text (why, read from AWS) ends the failure's message."""
        try:
            wait_through_throttling(self.waiter(waiter_name, failures), WaiterConfig={"Delay": delay, "MaxAttempts": max(1, timeout // delay)},
                                    **params)
        except botocore.exceptions.WaiterError as e:
            msg = f"{what} did not become {state or waiter_name.split('_')[-1]} within {timeout} s"
            self.module.fail_json_aws(e, msg=msg + (explain() if explain else ""))

    def waiter(self, waiter_name, failures=()):
        """The client's ``waiter_name``, with the service's not-found answers given a meaning where the waiter
        gives them none: for a waiter of a deletion (``*_deleted``, ``*_inactive``) the resource is gone, for
        any other one it is not visible yet and is polled again. Right after a create a describe may not find
        what was just made (eventual consistency); botocore's own waiters (RDS's ``db_cluster_available``,
        ``db_instance_available``) fail at that first answer, amazon.aws's waiters retry it
        (``module_utils/waiters.py``)."""
        waiter = self.client.get_waiter(waiter_name)
        config = waiter.config
        acceptors = [{"state": a.state, "matcher": a.matcher, "expected": a.expected, **({"argument": a.argument} if a.argument else {})}
                     for a in config.acceptors]
        answered = {a["expected"] for a in acceptors if a["matcher"] == "error"}
        unanswered = [code for code in self.not_found if code not in answered]
        if not unanswered and not failures:
            return waiter
        gone = "success" if waiter_name.endswith(("_deleted", "_inactive")) else "retry"
        acceptors += [{"state": gone, "matcher": "error", "expected": code} for code in unanswered]
        acceptors = [dict(failure, state="failure") for failure in failures] + acceptors
        model = botocore.waiter.WaiterModel({"version": 2, "waiters": {waiter.name: {
            "operation": config.operation, "delay": config.delay, "maxAttempts": config.max_attempts, "acceptors": acceptors}}})
        return botocore.waiter.create_waiter_with_client(waiter.name, model, self.client)

    def _answer(self, error, missing, exists, answers=None):
        """The value given for a not-found, already-exists or ``answers`` error; any other error goes on up."""
        code = error.response.get("Error", {}).get("Code")
        if code in (answers or {}):
            return answers[code]
        if missing is not _RAISE and code in self.not_found:
            return missing
        if exists is not _RAISE and code in self.already_exists:
            return exists
        raise error


class TagAdapter:
    """How one API family reads and changes a resource's tags: ``read`` gives a dict, ``change`` sets and
    removes keys. Subclasses name the operations and the shape of the tags."""

    list_operation = "list_tags_for_resource"
    tag_operation = "tag_resource"
    untag_operation = "untag_resource"
    resource_param = "ResourceArn"
    tags_param = "Tags"
    keys_param = "TagKeys"

    def __init__(self, calls):
        self.calls = calls

    def to_aws(self, tags):
        return ansible_dict_to_boto3_tag_list(tags)

    def from_aws(self, answer):
        return boto3_tag_list_to_ansible_dict(answer.get(self.tags_param) or [])

    resource_as_list = False   # EC2 and ELBv2 take the resource in a list (of one here)

    def target(self, resource):
        """The resource as the tagging calls take it: one ARN, or (EC2, ELBv2) a list of one."""
        return [resource] if self.resource_as_list else resource

    def keys_to_aws(self, keys):
        """The keys to remove as the untagging call takes them."""
        return list(keys)

    def read(self, resource, what):
        answer = self.calls.call(f"read the tags of {what}", self.list_operation, **{self.resource_param: self.target(resource)})
        return self.from_aws(answer)

    def tags_at_create(self, tags):
        """The tags in the shape the service's create call takes them."""
        return self.to_aws(tags)

    def create_argument(self, tags):
        """The create call's tags argument (under ``tags_param``, in the service's shape); none without tags."""
        return {self.tags_param: self.tags_at_create(tags)} if tags else {}

    def change(self, resource, what, to_set, to_remove):
        if to_remove:
            self.calls.call(f"remove tags of {what}", self.untag_operation,
                            **{self.resource_param: self.target(resource), self.keys_param: self.keys_to_aws(to_remove)})
        if to_set:
            self.calls.call(f"tag {what}", self.tag_operation,
                            **{self.resource_param: self.target(resource), self.tags_param: self.to_aws(to_set)})


class ListTags(TagAdapter):
    """Tags as ``[{"Key", "Value"}]`` by ARN: SNS, Secrets Manager, ECR, ELBv2 and most query services."""


class EcrTags(TagAdapter):
    """ECR: tags as ``[{"Key", "Value"}]`` by ARN, with the JSON services' lower-case parameter names
    (``resourceArn``, ``tags``, ``tagKeys``), which CloudWatch Logs and ECS share."""

    resource_param = "resourceArn"
    tags_param = "tags"
    keys_param = "tagKeys"


class MapTags(EcrTags):
    """Tags as a dict by ARN: CloudWatch Logs' current tagging API."""

    def to_aws(self, tags):
        return dict(tags)

    def from_aws(self, answer):
        return dict(answer.get(self.tags_param) or {})


class EcsTags(EcrTags):
    """ECS: tags as ``[{"key", "value"}]`` (lower case) by ARN; a describe with ``include=["TAGS"]`` returns them."""

    def to_aws(self, tags):
        return ecs_tag_list(tags)

    def from_aws(self, answer):
        return ecs_tags_to_dict(answer.get(self.tags_param))


class SecretTags(TagAdapter):
    """Secrets Manager: tags as ``[{"Key", "Value"}]`` by ``SecretId``; DescribeSecret returns them."""

    resource_param = "SecretId"

    def read(self, resource, what):
        raise NotImplementedError("DescribeSecret returns the tags: read them there")


class Ec2Tags(TagAdapter):
    """EC2: ``create_tags`` / ``delete_tags`` over a list of resource ids, keys removed as ``{"Key"}`` entries;
    the describes return the tags."""

    tag_operation = "create_tags"
    untag_operation = "delete_tags"
    resource_param = "Resources"
    keys_param = "Tags"
    resource_as_list = True

    def keys_to_aws(self, keys):
        return [{"Key": key} for key in keys]

    def read(self, resource, what):
        raise NotImplementedError("EC2's describes return the tags: read them there")


class Elbv2Tags(TagAdapter):
    """Elastic Load Balancing v2: ``describe_tags`` / ``add_tags`` / ``remove_tags`` over a list of ARNs."""

    list_operation = "describe_tags"
    tag_operation = "add_tags"
    untag_operation = "remove_tags"
    resource_param = "ResourceArns"
    resource_as_list = True

    def from_aws(self, answer):
        descriptions = answer.get("TagDescriptions") or []
        return boto3_tag_list_to_ansible_dict(descriptions[0].get("Tags", []) if descriptions else [])


class RdsTags(TagAdapter):
    """RDS: tags as ``[{"Key", "Value"}]`` by ARN (``ResourceName``), answered as ``TagList``."""

    tag_operation = "add_tags_to_resource"
    untag_operation = "remove_tags_from_resource"
    resource_param = "ResourceName"

    def from_aws(self, answer):
        return boto3_tag_list_to_ansible_dict(answer.get("TagList") or [])


class IamRoleTags(TagAdapter):
    """IAM roles: ``tag_role`` / ``untag_role`` / ``list_role_tags`` by ``RoleName``; GetRole returns the tags too."""

    list_operation = "list_role_tags"
    tag_operation = "tag_role"
    untag_operation = "untag_role"
    resource_param = "RoleName"


# The tagging adapter of each service's API family, for a resource that does not name its own.
TAG_ADAPTERS = {
    "elbv2": Elbv2Tags,
    "rds": RdsTags,
    "ecs": EcsTags,
    "ecr": EcrTags,
    "ec2": Ec2Tags,
    "logs": MapTags,
    "sns": ListTags,
    "secretsmanager": SecretTags,
    "iam": IamRoleTags,
}


class Resource:
    """One AWS resource a module manages; :func:`run` drives it. Subclasses name their service (its tagging
    adapter is the service's in :data:`TAG_ADAPTERS` unless they name another) and kind, and implement the
    five methods. ``self.aws`` makes the calls, ``self.tags`` reads and
    changes the tags, ``self.name`` is the resource's name and ``self.what`` names it in messages."""

    service = None        # botocore's name of the service (``logs``, ``elbv2``...)
    tag_adapter = None    # the TagAdapter class, when not the service's (TAG_ADAPTERS)
    kind = "resource"     # how messages name it: "log group", "ECR repository"...
    name_option = "name"  # the option that holds its name

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = self.params.get(self.name_option)
        self.what = f"{self.kind} {self.name}"
        self.aws = ServiceCalls(module, self.service) if self.service else None
        adapter = self.tag_adapter or TAG_ADAPTERS.get(self.service)
        self.tags = adapter(self.aws) if adapter else None

    @staticmethod
    def parameters_problem(params):
        """What the parameters contradict that the argument spec cannot say, as the user fixes it (a message,
        or ``fail_json``'s arguments), checked before any AWS client is made; None: nothing."""
        return None

    def describe(self):
        """The resource as it is (its owned fields and whatever ``apply`` and ``result`` need), or None."""
        raise NotImplementedError

    def plan(self, current):
        """The pure decision from ``current`` to what the parameters ask: a dict with ``before`` and
        ``after`` (the owned fields, for the diff), ``changed``, optionally ``problem`` (why the module
        refuses: it fails with it, changing nothing) and ``warnings`` (said to the user), and whatever
        ``apply`` needs."""
        raise NotImplementedError

    def apply(self, decision, current):
        """Makes the decision so in AWS (only called when it changes something, never in check mode);
        returns the resource's state after, as ``describe`` would."""
        raise NotImplementedError

    def delete(self, current):
        """Deletes the resource (never called in check mode); one already gone is no failure."""
        raise NotImplementedError

    def deletion_problem(self, current):
        """Why the resource must not be deleted (a message, or ``fail_json``'s arguments), checked before the
        deletion and in check mode too, so that check mode fails where the real run would; None: nothing."""
        return None

    def owned(self, current):
        """The owned fields of an existing resource, as ``plan``'s ``before`` (the diff of a deletion)."""
        return self.plan(current)["before"]

    def result(self, decision, state):
        """What the module returns under its result key after a present run: by default ``after``."""
        return dict(decision["after"])

    def retag(self, resource, decision, what=None):
        """Sets and removes the tags ``decision`` says (its ``tags_to_set`` and ``tags_to_remove``) on ``resource``
        (as the tag adapter takes it: an ARN, a name, an id), named ``what`` in a failure (by default ``self.what``)."""
        self.tags.change(resource, what or self.what, decision["tags_to_set"], decision["tags_to_remove"])

    def returned(self, result):
        """What the module exits with, from :func:`run`'s result: by default that result. With ``failed`` and
        ``msg``, the module fails with it (a run that changed what it reports, and then found it failed)."""
        return result


# What ``apply`` returns when another run changed the resource between this run's describe and its first
# write (it created the same resource first): ``run`` then describes and plans again, once.
CHANGED_MEANWHILE = "changed meanwhile by another run"


def run(module, resource, result_key):
    """Converges ``resource`` to ``state`` (present or absent, from the parameters) and returns the module's
    result: ``changed``, ``diff`` and ``result_key``. In check mode nothing is applied: the result is what
    the real run would return, from the same decision."""
    current = resource.describe()
    if module.params.get("state") == "absent":
        if current is None:
            return {"changed": False, result_key: {}, "diff": make_diff({}, {})}
        refused = resource.deletion_problem(current)
        if refused:
            fail_with(module, refused)
        before = resource.owned(current)
        if not module.check_mode:
            resource.delete(current)
        return {"changed": True, result_key: {}, "diff": make_diff(before, {})}
    for _attempt in range(2):
        decision = resource.plan(current)
        if decision.get("problem"):   # what the module must refuse (in check mode too), said as the user fixes it
            fail_with(module, decision["problem"])
        for warning in decision.get("warnings", ()):   # what the decision leaves as it is, and why
            module.warn(warning)
        state = current
        if decision["changed"] and not module.check_mode:
            state = resource.apply(decision, current)
        if state is not CHANGED_MEANWHILE:
            return {"changed": decision["changed"], result_key: resource.result(decision, state),
                    "diff": make_diff(decision["before"], decision["after"])}
        current = resource.describe()
    module.fail_json(msg=f"{result_key} changed under this run twice (other runs converge it at the same time): run again")
    return {}


def resource_argument_spec(name_option="name", tagged=True, **options):
    """A managing module's argument spec: its name option (a required string; ``options`` may give it again,
    with aliases, or ``name_option`` None leaves it out), ``state`` (present or absent), its own ``options``
    and, for a resource with tags (``tagged``), ``tags`` and ``purge_tags`` as amazon.aws's modules take them."""
    spec = {name_option: dict(type="str", required=True)} if name_option else {}
    spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    spec.update(options)
    if tagged:
        spec.update(tag_options())
    return spec


def tag_options():
    """``tags`` and ``purge_tags`` as amazon.aws's modules take them (its ``amazon.aws.tags`` documentation)."""
    return {"tags": dict(type="dict", aliases=["resource_tags"]), "purge_tags": dict(type="bool", default=True)}


def run_module(resource_class, result_key, spec, **module_options):
    """A managing module's ``main()``: the ``AnsibleAWSModule`` of ``spec`` (with check mode, and
    ``module_options`` such as ``required_if``), the resource's :meth:`Resource.parameters_problem`, then
    :func:`run` and the one ``exit_json`` of what :meth:`Resource.returned` makes of its result (or its
    ``fail_json``, when that says ``failed``)."""
    module = AnsibleAWSModule(argument_spec=spec, supports_check_mode=True, **module_options)
    problem = resource_class.parameters_problem(module.params)
    if problem:
        fail_with(module, problem)
        return
    resource = resource_class(module)
    result = resource.returned(run(module, resource, result_key))
    if result.get("failed"):
        module.fail_json(**result)
    else:
        module.exit_json(**result)
