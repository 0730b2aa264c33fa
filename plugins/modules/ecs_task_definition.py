#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_task_definition
version_added: 0.1.0
short_description: Ensure the latest revision of an Amazon ECS task definition family is the one described
description:
  - Registers a new revision of an Amazon ECS task definition family when the latest C(ACTIVE) revision
    differs from the definition asked for, retags that revision when only the tags differ, or
    deregisters every C(ACTIVE) revision of the family.
  - Replaces C(community.aws.ecs_taskdefinition), which registers no new revision when only the value of
    an environment variable changes (same number of variables), nor when only the task-level C(memory)
    changes, so a configuration change is silently not deployed (both measured against the local
    emulator). It also accepts any older C(ACTIVE) revision that matches as "unchanged", where this module
    only compares with the latest one.
  - Both the definition asked for and the latest revision are normalised before they are compared, so
    that what AWS adds or reorders is not a change; see the notes.
  - Supports check mode and diff mode; check mode makes no mutating call and reports the same
    C(changed) and C(diff) that the real run would.
  - When another run registered the same definition between this run's look-up and its registration
    (two converges at once), both runs keep the lower of the two revisions and deregister the other,
    so the family does not end with two identical ACTIVE revisions.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  family:
    description:
      - The name of the task definition family.
    required: true
    type: str
  state:
    description:
      - V(present) makes the latest C(ACTIVE) revision of the family match the definition.
      - V(absent) deregisters every C(ACTIVE) revision of the family (exactly this family, not the
        families it is a prefix of).
    choices: ["present", "absent"]
    default: present
    type: str
  container_definitions:
    description:
      - The container definitions, in the camelCase shape of the ECS API
        (C(name), C(image), C(portMappings), C(environment), C(secrets), C(logConfiguration)...),
        sent to C(RegisterTaskDefinition) as given.
      - Required when O(state=present).
    type: list
    elements: dict
  cpu:
    description:
      - The task's CPU units, as an integer (V(256)) or a string (V("256"), V("1 vCPU")).
      - Compared as AWS stores it, a string of CPU units, so V(256), V("256") and V("0.25 vCPU") are the same.
    type: raw
  memory:
    description:
      - The task's memory in MiB, as an integer (V(512)) or a string (V("512"), V("1 GB")).
      - Compared as AWS stores it, a string of MiB, so V(1024), V("1024") and V("1 GB") are the same.
    type: raw
  network_mode:
    description:
      - The Docker networking mode of the containers.
    choices: ["awsvpc", "bridge", "host", "none"]
    default: awsvpc
    type: str
  requires_compatibilities:
    description:
      - The launch types the task definition is validated against. Compared as a set.
    type: list
    elements: str
    default: ["FARGATE"]
  execution_role_arn:
    description:
      - The ARN of the role the ECS agent uses to pull images and read secrets. Compared exactly.
    type: str
  task_role_arn:
    description:
      - The ARN of the role the containers assume. Compared exactly.
    type: str
  runtime_platform:
    description:
      - The C(runtimePlatform) of the task, with C(cpuArchitecture) (V(X86_64) or V(ARM64)) and
        C(operatingSystemFamily) (for example V(LINUX)), in the camelCase shape of the ECS API.
    type: dict
  volumes:
    description:
      - The task's volumes, in the camelCase shape of the ECS API. Compared as a set keyed by name.
    type: list
    elements: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - "Normalisation, applied to both sides before comparing: containers sorted by name; in each container
    C(essential) defaults to true and C(cpu) to 0; C(portMappings), C(environment), C(secrets),
    C(mountPoints), C(volumesFrom) and C(systemControls) default to empty lists; other list or dict
    fields that are empty read as unset; C(environment) and C(secrets) are sorted by name, C(ulimits) by
    name, C(systemControls) by namespace and C(portMappings) by port; a port mapping's C(protocol)
    defaults to C(tcp), a C(hostPort) of 0 reads as unset, and in C(awsvpc) and C(host) mode an unset
    C(hostPort) is the C(containerPort); a C(healthCheck) gets AWS's defaults (interval 30, timeout 5,
    retries 3); an empty C(logConfiguration.secretOptions) reads as unset. Volumes are sorted by name,
    empty fields read as unset and C(efsVolumeConfiguration.rootDirectory) defaults to C(/)."
  - Everything else is compared exactly, values included; a field of the definition that is not set
    is compared as not set (a task definition is immutable and complete, so an ARN or a variable that
    appears or disappears is a change).
  - Task-level fields this module has no option for (for example C(ephemeralStorage), C(pidMode)) are not
    compared, and a new revision registered by this module does not carry them.
  - When O(tags) is not set and a new revision is registered, the new revision takes the tags of the
    revision it replaces. A change of tags alone retags the latest revision; it registers nothing.
"""

EXAMPLES = r"""
- name: Ensure the API's task definition
  nestjs_playground.infra.ecs_task_definition:
    family: nestjs-playground-dev-api
    cpu: 256
    memory: 512
    execution_role_arn: "{{ execution_role_arn }}"
    task_role_arn: "{{ task_role_arn }}"
    runtime_platform:
      cpuArchitecture: X86_64
      operatingSystemFamily: LINUX
    container_definitions:
      - name: api
        image: "{{ repository_uri }}:{{ image_tag }}"
        portMappings:
          - containerPort: 3000
        environment:
          - name: NODE_ENV
            value: production
        secrets:
          - name: DB_PASSWORD
            valueFrom: "{{ db_secret_arn }}:password::"
        logConfiguration:
          logDriver: awslogs
          options:
            awslogs-group: /ecs/nestjs-playground-dev
            awslogs-region: us-east-1
            awslogs-stream-prefix: api
    tags:
      App: nestjs-playground
      Env: dev

- name: Deregister every active revision of the family
  nestjs_playground.infra.ecs_task_definition:
    family: nestjs-playground-dev-api
    state: absent
"""

RETURN = r"""
task_definition:
  description:
    - The latest C(ACTIVE) revision after the run, normalised (in check mode, the definition as it
      would be registered, without ARN and revision when a new revision would be registered).
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    task_definition_arn:
      description: The ARN of the revision; absent in check mode when a new revision would be registered.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/nestjs-playground-dev-api:3
    family:
      description: The family.
      type: str
      sample: nestjs-playground-dev-api
    revision:
      description: The revision number.
      type: int
      sample: 3
    status:
      description: V(ACTIVE); absent in check mode when a new revision would be registered.
      type: str
      sample: ACTIVE
    container_definitions:
      description: The normalised container definitions, in the camelCase shape of the ECS API.
      type: list
      elements: dict
    cpu:
      description: The task's CPU units, as a string.
      type: str
      sample: "256"
    memory:
      description: The task's memory in MiB, as a string.
      type: str
      sample: "512"
    network_mode:
      description: The networking mode.
      type: str
      sample: awsvpc
    requires_compatibilities:
      description: The launch types, sorted.
      type: list
      elements: str
      sample: ["FARGATE"]
    execution_role_arn:
      description: The execution role ARN, or null.
      type: str
    task_role_arn:
      description: The task role ARN, or null.
      type: str
    runtime_platform:
      description: The runtime platform, or null.
      type: dict
    volumes:
      description: The volumes, sorted by name.
      type: list
      elements: dict
    tags:
      description: The revision's tags.
      type: dict
deregistered:
  description: The ARNs of the revisions deregistered (with O(state=absent); in check mode, that would be).
  returned: when O(state=absent)
  type: list
  elements: str
"""

import copy
import json
import re

from ansible_collections.nestjs_playground.infra.plugins.module_utils.api_names import camel_case
from ansible_collections.nestjs_playground.infra.plugins.module_utils.compare import values_equal
from ansible_collections.nestjs_playground.infra.plugins.module_utils.describes import find_task_definition
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_task_definitions import active_revision_arns
from ansible_collections.nestjs_playground.infra.plugins.module_utils.ecs_task_definitions import family_of
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import Resource
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import resource_argument_spec
from ansible_collections.nestjs_playground.infra.plugins.module_utils.resource import run_module
from ansible_collections.nestjs_playground.infra.plugins.module_utils.tags import tag_plan

# The fields of the definition this module owns, as compared and shown in the diff (tags aside).
DEFINITION_FIELDS = (
    "container_definitions",
    "cpu",
    "memory",
    "network_mode",
    "requires_compatibilities",
    "execution_role_arn",
    "task_role_arn",
    "runtime_platform",
    "volumes",
)

# Container list fields that AWS returns as [] when they were not given (and that we fill the same way).
FILLED_LISTS = ("portMappings", "environment", "secrets", "mountPoints", "volumesFrom", "systemControls")
# Container list or dict fields where empty means "not set"; dropped when empty. (Not entryPoint or
# command: an empty entry point is a Docker override, not the absence of one.)
EMPTY_IS_UNSET = (
    "environmentFiles", "ulimits", "dependsOn", "links", "dnsServers", "dnsSearchDomains", "extraHosts",
    "dockerSecurityOptions", "resourceRequirements", "credentialSpecs", "dockerLabels",
)
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}
SIZE_UNITS = {"cpu": "vcpu", "memory": "gb"}


def task_size(value, unit):
    """A task-level cpu (unit ``vcpu``) or memory (unit ``gb``) as AWS stores it: a string of an integer.

    ``256``, ``"256"`` -> ``"256"``; ``"0.25 vCPU"`` -> ``"256"``; ``"1 GB"`` -> ``"1024"``. None stays None;
    anything else is returned as a stripped string, for AWS to accept or reject.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.isdigit():
        return str(int(text))
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)", text)
    if match and match.group(2).lower() == unit:
        amount = float(match.group(1)) * 1024
        if amount.is_integer():
            return str(int(amount))
    return text


def _port_sort_key(mapping):
    return (mapping.get("containerPort", -1), json.dumps(mapping, sort_keys=True))


def normalise_port_mapping(mapping, network_mode):
    mapping = dict(mapping)
    mapping.setdefault("protocol", "tcp")
    if mapping.get("hostPort") in (0, None):
        mapping.pop("hostPort", None)
    if network_mode in ("awsvpc", "host") and "hostPort" not in mapping and "containerPort" in mapping:
        mapping["hostPort"] = mapping["containerPort"]
    return mapping


def normalise_container(container, network_mode):
    """One container definition with what AWS adds filled in and order-free lists sorted (see notes)."""
    c = {key: copy.deepcopy(value) for key, value in container.items() if value is not None}
    c.setdefault("essential", True)
    c.setdefault("cpu", 0)
    for key in FILLED_LISTS:
        c.setdefault(key, [])
    for key in EMPTY_IS_UNSET:
        if key in c and not c[key]:
            del c[key]
    c["portMappings"] = sorted((normalise_port_mapping(m, network_mode) for m in c["portMappings"]), key=_port_sort_key)
    c["environment"] = sorted(c["environment"], key=lambda e: (e.get("name", ""), str(e.get("value", ""))))
    c["secrets"] = sorted(c["secrets"], key=lambda s: (s.get("name", ""), s.get("valueFrom", "")))
    c["systemControls"] = sorted(c["systemControls"], key=lambda s: (s.get("namespace", ""), s.get("value", "")))
    if "ulimits" in c:
        c["ulimits"] = sorted(c["ulimits"], key=lambda u: u.get("name", ""))
    if c.get("healthCheck"):
        c["healthCheck"] = dict(HEALTH_CHECK_DEFAULTS, **c["healthCheck"])
    if isinstance(c.get("logConfiguration"), dict) and "secretOptions" in c["logConfiguration"]:
        if not c["logConfiguration"]["secretOptions"]:
            c["logConfiguration"] = {k: v for k, v in c["logConfiguration"].items() if k != "secretOptions"}
    return c


def normalise_volume(volume):
    v = {key: copy.deepcopy(value) for key, value in volume.items() if value not in (None, {}, [])}
    if isinstance(v.get("efsVolumeConfiguration"), dict):
        v["efsVolumeConfiguration"].setdefault("rootDirectory", "/")
    return v


def normalise_definition(spec):
    """A task definition in the API's camelCase shape (as asked, or as DescribeTaskDefinition returns it)
    -> the owned fields, snake_case, normalised so that two equivalent definitions are equal."""
    network_mode = spec.get("networkMode") or "bridge"  # AWS's default when none is given
    containers = [normalise_container(c, network_mode) for c in spec.get("containerDefinitions") or []]
    volumes = [normalise_volume(v) for v in spec.get("volumes") or []]
    definition = {field: spec.get(camel_case(field)) or None for field in DEFINITION_FIELDS}   # roles, runtime platform
    definition.update(
        container_definitions=sorted(containers, key=lambda c: c.get("name", "")),
        cpu=task_size(spec.get("cpu"), SIZE_UNITS["cpu"]),
        memory=task_size(spec.get("memory"), SIZE_UNITS["memory"]),
        network_mode=network_mode,
        requires_compatibilities=sorted(spec.get("requiresCompatibilities") or []),
        volumes=sorted(volumes, key=lambda v: v.get("name", "")),
    )
    return definition


def desired_spec(params):
    """The RegisterTaskDefinition parameters (but tags) for the module's options; unset ones left out."""
    spec = {camel_case(field): params.get(field) for field in DEFINITION_FIELDS}
    spec.update(
        family=params["family"],
        containerDefinitions=[{key: value for key, value in c.items() if value is not None} for c in params.get("container_definitions") or []],
        cpu=task_size(params.get("cpu"), SIZE_UNITS["cpu"]),
        memory=task_size(params.get("memory"), SIZE_UNITS["memory"]),
    )
    return {key: value for key, value in spec.items() if value is not None}


def definition_differences(desired, current):
    """The owned fields whose normalised values differ, in DEFINITION_FIELDS order.

    Unlike ``compare.changed_fields``, an unset field (None) is compared too: a task definition is
    complete, so a role or a runtime platform that is no longer asked for is a change. No owned field
    is dropped by AWS or by the emulator (measured), so there is no MISSING case here.
    """
    return [key for key in DEFINITION_FIELDS if not values_equal(desired.get(key), current.get(key))]


def plan(spec, current, current_tags, desired_tags, purge_tags):
    """What must be done to make the latest ACTIVE revision (``current``, the DescribeTaskDefinition
    ``taskDefinition``, or None) match ``spec`` (from ``desired_spec``).

    Returns a dict: ``register`` (bool), ``fields`` (owned fields that differ), ``retag`` (bool: tags alone
    differ on an unchanged revision), ``tags_to_set``/``tags_to_remove``, ``before``/``after`` (normalised
    definition plus tags) and ``changed``. Pure: no AWS call.
    """
    after = normalise_definition(spec)
    base_tags = dict(current_tags or {}) if current is not None else {}
    to_set, to_remove, after["tags"] = tag_plan(base_tags, desired_tags, purge_tags)
    if current is None:
        before = {}
        fields = list(DEFINITION_FIELDS)
    else:
        before = normalise_definition(current)
        before["tags"] = base_tags
        fields = definition_differences(after, before)
    register = current is None or bool(fields)
    retag = not register and bool(to_set or to_remove)
    return {
        "register": register,
        "fields": fields if current is not None else [],
        "retag": retag,
        "tags_to_set": to_set,
        "tags_to_remove": to_remove,
        "before": before,
        "after": after,
        "changed": register or retag,
    }


def settle_twins(own_revision, others, after):
    """Which revision to keep when runs at once registered the same definition (two converges at once).

    ``own_revision`` is the revision this run registered; ``others`` maps each other ACTIVE revision
    registered since this run looked (the DescribeTaskDefinition ``taskDefinition`` of each) and
    ``after`` is the normalised definition registered. The identical ones are twins: every run keeps the
    lowest and deregisters the rest, so they all agree. Returns (revision to keep, revisions to
    deregister). Pure: no AWS call.
    """
    twins = [own_revision] + [revision for revision, definition in others.items()
                              if not definition_differences(after, normalise_definition(definition))]
    twins.sort()
    return twins[0], twins[1:]


def describe_result(definition, tags):
    """The ``task_definition`` result for a revision read from (or registered with) AWS."""
    result = {
        "task_definition_arn": definition["taskDefinitionArn"],
        "family": definition["family"],
        "revision": definition["revision"],
        "status": definition.get("status"),
    }
    result.update(normalise_definition(definition))
    result["tags"] = tags
    return result


def next_revision_arn(arn):
    """The ARN the next revision of the family of ``arn`` will most likely have (check mode only)."""
    base, _colon, revision = arn.rpartition(":")
    return f"{base}:{int(revision) + 1}" if revision.isdigit() else arn


class TaskDefinition(Resource):
    """The latest ACTIVE revision of the task definition family ``family``. The current state is
    ``{"definition", "tags"}`` (the DescribeTaskDefinition ``taskDefinition`` and its tags), or None; with
    O(state=absent), ``arns`` too: every ACTIVE revision, which the deletion deregisters."""

    service = "ecs"
    kind = "task definition family"
    name_option = "family"

    def __init__(self, module):
        super().__init__(module)
        self.deregistered = []   # with state=absent: the ACTIVE revisions deregistered (or, in check mode, to be)

    def returned(self, result):
        if self.params["state"] == "absent":
            result["deregistered"] = self.deregistered
        return result

    def active_arns(self):
        """The ARNs of the family's ACTIVE revisions, oldest first (exactly this family: familyPrefix
        is a prefix on AWS)."""
        with self.aws.failing(f"list the task definitions of family {self.name}"):
            return active_revision_arns(self.aws.client, self.aws.retry, self.name)

    def read(self, task_definition, what="task definition", answers=None):
        """``{"definition", "tags"}`` of a revision (or of a family's latest); ``answers`` as ``call``'s."""
        response = find_task_definition(self.aws, task_definition, f"describe {what} {task_definition}", include=["TAGS"], answers=answers)
        return response and {"definition": response["taskDefinition"], "tags": self.tags.from_aws(response)}

    def latest(self):
        """The latest ACTIVE revision, or None.

        DescribeTaskDefinition with a family returns the latest ACTIVE revision on AWS and fails with a
        ClientException when there is none; the emulator returns the latest revision even when it is
        INACTIVE. Either case falls back to listing the ACTIVE revisions.
        """
        found = self.read(self.name, self.kind, answers={"ClientException": None})
        if found and found["definition"].get("status") == "ACTIVE" and found["definition"].get("family") == self.name:
            return found
        arns = self.active_arns()
        return self.read(arns[-1]) if arns else None

    def describe(self):
        current = self.latest()
        if self.params["state"] == "absent":
            self.deregistered = self.active_arns()
            return dict(current or {"definition": None}, arns=self.deregistered) if self.deregistered else None
        return current

    def plan(self, current):
        current = current or {"definition": None, "tags": {}}
        return plan(desired_spec(self.params), current["definition"], current["tags"], self.params["tags"], self.params["purge_tags"])

    def owned(self, current):
        if current["definition"] is None:
            return {}
        return dict(normalise_definition(current["definition"]), tags=current["tags"])

    def register(self, decision):
        """Registers the asked definition; ``{"definition", "tags"}`` of the registered revision."""
        request = desired_spec(self.params)
        request.update(self.tags.create_argument(decision["after"]["tags"]))
        response = self.aws.call(f"register a task definition in family {self.name}", "register_task_definition", **request)
        # AWS answers with the tags it stored; the emulator leaves them out: then they are the ones sent.
        tags = self.tags.from_aws(response) if "tags" in response else dict(decision["after"]["tags"])
        return {"definition": response["taskDefinition"], "tags": tags}

    def apply(self, decision, current):
        if not decision["register"]:
            arn = current["definition"]["taskDefinitionArn"]
            self.retag(arn, decision, f"task definition {arn}")
            return dict(current, tags=decision["after"]["tags"])
        registered = self.register(decision)
        # Another run may have registered the same definition since this one looked: keep one.
        since = current["definition"]["revision"] if current is not None else 0
        own = registered["definition"]
        others = {}
        for arn in self.active_arns():
            revision = family_of(arn)[1]
            if revision > since and arn != own["taskDefinitionArn"]:
                others[revision] = self.read(arn)["definition"]
        if not others:
            return registered
        keep, extra = settle_twins(own["revision"], others, decision["after"])
        kept = {own["revision"]: own, **others}
        for revision in extra:
            # A twin may have just been deregistered by the run that registered it.
            arn = kept[revision]["taskDefinitionArn"]
            self.aws.call(f"deregister task definition {arn}", "deregister_task_definition", answers={"ClientException": None},
                          taskDefinition=arn)
        return dict(registered, definition=kept[keep])

    def delete(self, current):
        for arn in current["arns"]:
            self.aws.call(f"deregister task definition {arn}", "deregister_task_definition", taskDefinition=arn)

    def result(self, decision, state):
        if self.module.check_mode and decision["register"]:
            result = dict(decision["after"], family=self.name)
            if state is not None:
                # What the real run will register: later tasks (the service) can then plan the rollout.
                result["task_definition_arn"] = next_revision_arn(state["definition"]["taskDefinitionArn"])
                result["revision"] = state["definition"]["revision"] + 1
            return result
        return describe_result(state["definition"], state["tags"] if decision["register"] else decision["after"]["tags"])


def main():
    run_module(TaskDefinition, "task_definition", resource_argument_spec(
        container_definitions=dict(type="list", elements="dict"),
        cpu=dict(type="raw"),
        memory=dict(type="raw"),
        network_mode=dict(type="str", default="awsvpc", choices=["awsvpc", "bridge", "host", "none"]),
        requires_compatibilities=dict(type="list", elements="str", default=["FARGATE"]),
        execution_role_arn=dict(type="str"),
        task_role_arn=dict(type="str"),
        runtime_platform=dict(type="dict"),
        volumes=dict(type="list", elements="dict"),
        name_option="family",
    ), required_if=[["state", "present", ["container_definitions"]]])


if __name__ == "__main__":
    main()
