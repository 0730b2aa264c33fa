"""moto's server, as ``moto_server`` runs it, with three routes more for the tests: the emulator's whole state
saved to a file and restored from it, so that a test module starts from the landing zone another module built
on the same worker instead of building it again (about 30 s of ansible-playbook each; conftest.landing_zone).

    python tests/integration/snapshot_server.py -H 127.0.0.1 -p PORT

    POST /_snapshot/save      body: a file path   pickles every moto backend that holds something into it
    POST /_snapshot/restore   body: a file path   replaces every backend's state with the one saved there (a backend
                                                  the file holds nothing of is emptied)
    GET  /_snapshot/pristine                      "true" while no AWS request has been served yet
    GET  /_snapshot/served                        how many AWS requests it has been sent so far

Everything else is moto's own application, with two differences from moto made as AWS behaves
(docs/emulator-gaps.md):

- RDS: ``DeleteDBCluster`` deletes the cluster's automated snapshots, as AWS does by default. moto keeps them,
  and names a new cluster's automatic snapshot ``rds:<cluster>-<minute>``, so a cluster deleted and created
  again within the same minute (a converge, destroy.yml, a converge: under a minute now) failed with
  ``DBClusterSnapshotAlreadyExistsFault``.
- Elastic Load Balancing: ``CreateLoadBalancer`` with a name in use answers the existing load balancer when
  the settings are the same and ``DuplicateLoadBalancerName`` otherwise, as AWS does. moto creates a second
  load balancer of that name, so two converges that both looked the name up before either created it (the
  concurrency test) left two behind, which AWS never does. The backends are moto's module-level ``BackendDict``
singletons (one per service); they are pickled together, so that a backend holding another service's
objects still shares them after a restore.
"""

import argparse
import collections
import functools
import importlib
import os
import pickle  # nosec B403 - the tests' own files, written by this server on this machine
import signal
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.core.base_backend import BackendDict
from moto.core.base_backend import backend_lock
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import run_simple

PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
PUBLIC_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)
RLOCK = type(threading.RLock())
LOCKS = (RLOCK, type(threading.Lock()))


def backend_dicts():
    """[(module name, attribute, BackendDict)] of every loaded service backend, each once."""
    found = {}
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("moto.") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and id(value) not in found:
                found[id(value)] = (name, attribute, value)
    return list(found.values())


# Loaders by reference to this module (cryptography's own are built-ins that pickle cannot name).
def certificate(pem):
    return x509.load_pem_x509_certificate(pem)


def private_key(pem):
    return serialization.load_pem_private_key(pem, None)


def public_key(pem):
    return serialization.load_pem_public_key(pem)


def new_defaultdict(cls, factory):
    """An empty ``cls`` (a defaultdict, or a subclass whose __init__ takes other arguments) with ``factory``."""
    made = cls.__new__(cls)
    collections.defaultdict.__init__(made, factory)
    return made


def defaultdict_reduction(obj):
    """How to pickle a defaultdict that pickle cannot: one whose factory is a lambda (SSM's tags are a
    ``defaultdict(lambda: defaultdict(dict))``: the same factory, named), or a subclass whose __init__ does not
    take the factory (SSM's ParameterDict): rebuilt without calling it, its attributes restored after."""
    factory = obj.default_factory
    if getattr(factory, "__name__", "") == "<lambda>":
        sample = factory()
        if not (isinstance(sample, collections.defaultdict) and sample.default_factory in (dict, list, set)):
            return NotImplemented
        factory = functools.partial(collections.defaultdict, sample.default_factory)
    return new_defaultdict, (type(obj), factory), getattr(obj, "__dict__", None) or None, None, iter(obj.items())


class StatePickler(pickle.Pickler):
    """Pickles what moto keeps of certificates and keys (cryptography's objects do not pickle) as PEM, and a
    backend's locks (a converged environment's state holds some) as new ones."""

    def reducer_override(self, obj):
        if isinstance(obj, x509.Certificate):
            return certificate, (obj.public_bytes(serialization.Encoding.PEM),)
        if isinstance(obj, PRIVATE_KEYS):
            return private_key, (obj.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),)
        if isinstance(obj, PUBLIC_KEYS):
            return public_key, (obj.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),)
        if isinstance(obj, collections.defaultdict):
            return defaultdict_reduction(obj)
        if isinstance(obj, LOCKS):   # a backend's own lock (held by no request while the state is saved): a new one
            return (threading.RLock if isinstance(obj, RLOCK) else threading.Lock), ()
        return NotImplemented


def save(path):
    with backend_lock:
        state = [(name, attribute, dict(backends)) for name, attribute, backends in backend_dicts() if len(backends)]
        with open(path, "wb") as handle:
            StatePickler(handle, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return len(state)


def restore(path):
    """The state saved in ``path``, and nothing else: a backend it holds nothing of is emptied (a converged
    environment's database goes when the landing zone alone is restored over it)."""
    with open(path, "rb") as handle:
        state = pickle.load(handle)  # nosec B301 - see the import
    with backend_lock:
        kept = {(name, attribute) for name, attribute, _ in state}
        for name, attribute, backends in backend_dicts():
            if (name, attribute) not in kept:
                dict.clear(backends)
        for name, attribute, saved in state:
            backends = getattr(importlib.import_module(name), attribute)
            dict.clear(backends)
            dict.update(backends, saved)
            if backends not in BackendDict._instances:  # pylint: disable=protected-access
                BackendDict._instances.append(backends)  # pylint: disable=protected-access
    return len(state)


class SnapshotApplication:
    """moto's WSGI application, with the /_snapshot/ routes in front of it."""

    def __init__(self, application):
        self.application = application
        self.served = 0
        self.lock = threading.Lock()   # the server answers each request in a thread of its own

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/_snapshot/"):
            if not path.startswith("/moto-api"):
                with self.lock:
                    self.served += 1
            return self.application(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        try:
            if path == "/_snapshot/save":
                answer = f"saved {save(body)} services"
            elif path == "/_snapshot/restore":
                answer = f"restored {restore(body)} services"
            elif path == "/_snapshot/pristine":
                answer = "true" if self.served == 0 else "false"
            elif path == "/_snapshot/served":
                answer = str(self.served)
            else:
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"unknown snapshot route"]
        except Exception as error:  # pylint: disable=broad-exception-caught  # reported to the test that asked
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [f"{type(error).__name__}: {error}".encode()]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [answer.encode()]


def delete_automated_cluster_snapshots_with_their_cluster():
    """moto's ``RDSBackend.delete_db_cluster``, then the cluster's automated snapshots deleted, as AWS does."""
    from moto.rds.models import RDSBackend   # pylint: disable=import-outside-toplevel

    original = RDSBackend.delete_db_cluster

    @functools.wraps(original)
    def delete_db_cluster(self, cluster_identifier, *args, **kwargs):
        cluster = original(self, cluster_identifier, *args, **kwargs)
        for identifier, snapshot in list(self.cluster_snapshots.items()):
            if snapshot.snapshot_type == "automated" and snapshot.cluster.db_cluster_identifier == cluster_identifier:
                del self.cluster_snapshots[identifier]
        return cluster

    RDSBackend.delete_db_cluster = delete_db_cluster


# The settings CreateLoadBalancer compares, as (our backend argument, the load balancer attribute, the default).
LOAD_BALANCER_SETTINGS = (("scheme", "scheme", "internet-facing"), ("loadbalancer_type", "type", "application"),
                          ("ip_address_type", "ip_address_type", "ipv4"))


def create_load_balancer_once_per_name():
    """moto's ``ELBv2Backend.create_load_balancer``, idempotent per name as AWS's: the same settings answer the
    load balancer of that name, other settings ``DuplicateLoadBalancerName``. One create at a time (the server
    answers each request in a thread), so two at once cannot both find the name free."""
    from moto.elbv2.exceptions import DuplicateLoadBalancerName   # pylint: disable=import-outside-toplevel
    from moto.elbv2.models import ELBv2Backend   # pylint: disable=import-outside-toplevel

    original = ELBv2Backend.create_load_balancer
    lock = threading.Lock()

    @functools.wraps(original)
    def create_load_balancer(self, name, security_groups, subnet_ids, *args, **kwargs):
        with lock:
            same_name = [balancer for balancer in self.load_balancers.values() if balancer.name == name]
            if not same_name:
                return original(self, name, security_groups, subnet_ids, *args, **kwargs)
            existing = same_name[0]
            if (all((getattr(existing, attribute) or default) == (kwargs.get(argument) or default)
                    for argument, attribute, default in LOAD_BALANCER_SETTINGS)
                    and sorted(existing.security_groups or []) == sorted(security_groups or [])
                    and sorted(subnet.id for subnet in existing.subnets) == sorted(
                        list(subnet_ids or []) + [m["SubnetId"] for m in kwargs.get("subnet_mappings") or []])):
                return existing
            raise DuplicateLoadBalancerName()

    ELBv2Backend.create_load_balancer = create_load_balancer


def imported_names(stack):
    """The export names a stack's template imports (``Fn::ImportValue`` of a name, or of an ``Fn::Sub`` of the
    stack's parameters: what the CDK templates of tests/integration/cdk/ use)."""
    names = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Fn::ImportValue":
                    name = value.get("Fn::Sub") if isinstance(value, dict) else value
                    if isinstance(name, str):
                        for parameter, given in (stack.parameters or {}).items():
                            name = name.replace("${" + parameter + "}", str(given))
                        names.append(name)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(stack.template_dict)
    return names


def cloudformation_list_imports():
    """CloudFormation's ListImports, which moto does not implement: the live stacks importing an export, and
    AWS's ValidationError when none does (docs/emulator-gaps.md, "CDK takeover")."""
    from moto.cloudformation.exceptions import ValidationError   # pylint: disable=import-outside-toplevel
    from moto.cloudformation.responses import CloudFormationResponse   # pylint: disable=import-outside-toplevel
    from moto.core.responses import ActionResult   # pylint: disable=import-outside-toplevel

    def list_imports(self):
        export_name = self._get_param("ExportName")   # pylint: disable=protected-access
        importers = sorted(stack.name for stack in self.cloudformation_backend.stacks.values()
                           if not stack.status.startswith("DELETE_COMPLETE") and export_name in imported_names(stack))
        if not importers:
            raise ValidationError(message=f"Export '{export_name}' is not imported by any stack.")
        return ActionResult({"Imports": importers})

    CloudFormationResponse.list_imports = list_imports


POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")


def cloudformation_policy_only_changes_update_nothing():
    """moto's ``ResourceMap.build_resource_diff``, where a resource whose template differs only in its
    ``DeletionPolicy``/``UpdateReplacePolicy`` is not modified, as on AWS (a policy is CloudFormation's, not the
    resource's). moto "updates" it, and a type it cannot update (a load balancer, a listener) is lost from the
    stack: its outputs then fail (docs/emulator-gaps.md, "CDK takeover")."""
    from moto.cloudformation.parsing import ResourceMap   # pylint: disable=import-outside-toplevel

    original = ResourceMap.build_resource_diff

    def without_policies(resource):
        return {key: value for key, value in resource.items() if key not in POLICIES} if isinstance(resource, dict) else resource

    @functools.wraps(original)
    def build_resource_diff(self, other_template, *args, **kwargs):
        diff = original(self, other_template, *args, **kwargs)
        old, new = self._resource_json_map, other_template["Resources"]   # pylint: disable=protected-access
        diff["Modify"] = [name for name in diff["Modify"] if without_policies(old.get(name)) != without_policies(new.get(name))]
        return diff

    ResourceMap.build_resource_diff = build_resource_diff


def _camel(value):
    """A CloudFormation property (PascalCase keys) as ECS's API takes it (camelCase keys)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def cloudformation_ecs_service_with_its_properties():
    """moto's CloudFormation ``AWS::ECS::Service``, created with its ``LaunchType``, ``NetworkConfiguration`` and
    ``LoadBalancers``, which moto drops (the service would read as an EC2 service without a load balancer:
    docs/emulator-gaps.md, "CDK takeover")."""
    from moto.ecs.models import Cluster, Service, TaskDefinition, ecs_backends   # pylint: disable=import-outside-toplevel

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):   # pylint: disable=unused-argument
        properties = cloudformation_json["Properties"]
        cluster = properties["Cluster"].name if isinstance(properties["Cluster"], Cluster) else properties["Cluster"]
        task_definition = properties["TaskDefinition"]
        task_definition = task_definition.family if isinstance(task_definition, TaskDefinition) else task_definition
        return ecs_backends[account_id][region_name].create_service(
            cluster, resource_name, properties.get("DesiredCount"), task_definition_str=task_definition,
            load_balancers=_camel(properties.get("LoadBalancers")), launch_type=properties.get("LaunchType"),
            network_configuration=_camel(properties.get("NetworkConfiguration")))

    Service.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def modify_db_subnet_group_keeps_it():
    """moto's ``RDSBackend.modify_db_subnet_group``, which takes the group out of the backend and never puts it back
    (the next describe finds none and a converge creates it again), with the group kept, as AWS does."""
    from moto.rds.models import RDSBackend   # pylint: disable=import-outside-toplevel

    original = RDSBackend.modify_db_subnet_group

    @functools.wraps(original)
    def modify_db_subnet_group(self, subnet_name, *args, **kwargs):
        group = original(self, subnet_name, *args, **kwargs)
        self.subnet_groups[subnet_name] = group
        return group

    RDSBackend.modify_db_subnet_group = modify_db_subnet_group


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))   # as moto_server does: some answers carry URLs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    delete_automated_cluster_snapshots_with_their_cluster()
    create_load_balancer_once_per_name()
    cloudformation_list_imports()
    cloudformation_policy_only_changes_update_nothing()
    cloudformation_ecs_service_with_its_properties()
    modify_db_subnet_group_keeps_it()
    application = DomainDispatcherApplication(create_backend_app)
    application.debug = True
    run_simple(args.host, args.port, SnapshotApplication(application), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
