"""One deployment model (issue 19): every resource name and ARN of the environment is derived once, in the config
role's fact `deployment` (roles/config/templates/deployment.json.j2), and the roles read names, ARNs and the
scheduler's state from it, not from each other's variables."""

import glob
import os
import re

import jinja2
import jinja2.meta
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATE = os.path.join("roles", "config", "templates", "deployment.json.j2")
# What builds a name of one of the environment's resources, or an ARN, from its parts.
DERIVATIONS = [
    re.compile(r"deployment_name\s*~\s*'[-/]"), re.compile(r"\{\{\s*deployment_name\s*\}\}[-/]"),
    re.compile(r"app_name\s*~\s*'[-/]"), re.compile(r"\{\{\s*app_name\s*\}\}-"), re.compile(r"'/ecs/'"),
    re.compile(r"arn:\{\{|'arn:'|\"arn:\"|arn:aws:"),
]
# Names that are not of the environment's AWS resources: (file, text on the line) -> the reason.
ALLOWED = {
    ("roles/network_lookup/defaults/main.yml", "scheduled-task"): "the CDK app's stacks, which the collection refuses or adopts",
    ("playbooks/adopt_cdk.yml", "cdk_adopt_vars_file"): "a file on the controller, not in AWS",
    ("playbooks/plan.yml", "_plan_file"): "a file on the controller, not in AWS",
    ("roles/config/defaults/main.yml", "jwt_secret_parameter_name"): "an input: the parameter exists before the first run",
    ("roles/config/defaults/main.yml", "scheduler_security_group_description"): "a description, not a name",
    ("roles/config/defaults/main.yml", "deployment_name"): "what the template derives from",
    ("playbooks/landing_zone.yml", "landing_zone_name"): "the emulator's landing zone, which stands for what exists in an account",
    ("playbooks/templates/outputs.json.j2", "prefix"): "the CDK app's export names in the outputs file",
    ("playbooks/templates/outputs.json.j2", "kinds"): "the CDK app's stack names in the outputs file (outputs_format: cdk)",
}


def code_lines(path):
    """(line number, text) of the lines of ``path`` that are not comments (YAML or Jinja)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    for number, line in enumerate(text.split("\n"), 1):
        if not line.lstrip().startswith("#"):
            yield number, line.split(" # ")[0]


def sources():
    paths = glob.glob(os.path.join(ROOT, "roles", "*", "*", "*.yml")) + glob.glob(os.path.join(ROOT, "roles", "*", "templates", "*.j2"))
    paths += glob.glob(os.path.join(ROOT, "playbooks", "**", "*.yml"), recursive=True) + glob.glob(os.path.join(ROOT, "playbooks", "templates", "*.j2"))
    relative = sorted(os.path.relpath(path, ROOT) for path in paths)
    return [path for path in relative if "/meta/" not in path and path != TEMPLATE]


def test_no_resource_name_or_arn_is_derived_outside_the_deployment_template():
    found = []
    for path in sources():
        for number, line in code_lines(path):
            allowed = any(where == path and text in line for where, text in ALLOWED)
            if any(pattern.search(line) for pattern in DERIVATIONS) and not allowed:
                found.append(f"{path}:{number}: {line.strip()}")
    assert found == []


def role_variables(role):
    names = set()
    for kind in ("defaults", "vars"):
        path = os.path.join(ROOT, "roles", role, kind, "main.yml")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                names.update(yaml.safe_load(handle) or {})
    return names


def test_the_roles_read_every_name_of_another_role_from_the_fact_deployment():
    """A resource name an option can set (*_name, *_identifier, *_family) is read as deployment.names.<option>
    everywhere but in the template, so that setting the option changes it for every role at once."""
    options = set()
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")):
        with open(path, encoding="utf-8") as handle:
            for entry in yaml.safe_load(handle)["argument_specs"].values():
                options.update(name for name in entry.get("options") or {} if re.search(r"_(name|identifier|family)$", name))
    with open(os.path.join(ROOT, TEMPLATE), encoding="utf-8") as handle:
        derived = set(re.findall(r"chosen\('([a-z_]+)'", handle.read()))
    assert len(derived) >= 29
    bare = re.compile(r"(?<![.\w'\"])(" + "|".join(sorted(derived)) + r")\b(?!\s*[:=])")
    found = [f"{path}:{number}: {line.strip()}" for path in sources() for number, line in code_lines(path)
             if "{{" in line or "{%" in line or re.match(r"^\s*-?\s*(when|that|loop):", line)
             for _ in [None] if bare.search(re.sub(r"'[^']*'", "''", line))]
    assert found == []
    assert not (derived & set.union(*(role_variables(role) for role in os.listdir(os.path.join(ROOT, "roles")))))
    assert derived <= options   # each is an input a user may set, documented in an argument spec



CONDITIONALS = ("when", "that", "failed_when", "changed_when", "until", "loop", "with_items")


class AnyName(dict):
    """Ansible's filters and tests, which jinja2's compiler asks for by name: every name is one."""

    def __contains__(self, name):
        return True

    def get(self, name, default=None):
        return super().get(name) or (lambda *args, **kwargs: None)


def variables_read(path):
    """The variables the Jinja of ``path`` reads: a template whole; in a YAML file each templated string and each
    conditional (jinja2's own parse, so words in string literals and comments are not reads)."""
    environment = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
    environment.filters, environment.tests = AnyName(environment.filters), AnyName(environment.tests)
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".j2"):
        return jinja2.meta.find_undeclared_variables(environment.parse(text))
    expressions = []

    def walk(node, key=None):
        if isinstance(node, dict):
            for child_key, child in node.items():
                walk(child, child_key)
        elif isinstance(node, list):
            for child in node:
                walk(child, key)
        elif isinstance(node, str):
            if key in CONDITIONALS and "{{" not in node:
                expressions.append("{{ " + node + " }}")
            elif "{{" in node or "{%" in node:
                expressions.append(node)

    walk(yaml.safe_load(text))
    return set().union(*(jinja2.meta.find_undeclared_variables(environment.parse(e)) for e in expressions))


def test_no_role_reads_another_roles_defaults_or_vars():
    """A role reads what another role decides only from the facts that role publishes (database, ecr, compute,
    scheduler) or from the fact deployment, never from that role's defaults or vars: those are loaded only with the
    role, so a play without it would read another value (or none). The config role's defaults are the contract
    every play loads first (app_name, environment_name, is_production...), so every role may read them."""
    roles = sorted(os.listdir(os.path.join(ROOT, "roles")))
    owned = {role: role_variables(role) for role in roles if role != "config"}
    found = []
    for role in roles:
        others = set().union(*(names for owner, names in owned.items() if owner != role)) - role_variables(role)
        for path in (path for path in sources() if path.startswith(f"roles/{role}/")):
            found += [f"{path}: {name}" for name in sorted(variables_read(path) & others)]
    assert found == []


def test_no_playbook_reads_a_roles_private_variables():
    """A playbook reads what a role did from the facts it publishes (destroy.yml's summary: database_removal,
    ecr_removal), not from the role's own decisions (its _-prefixed vars), which only that role may read."""
    private = set().union(*(role_variables(role) for role in os.listdir(os.path.join(ROOT, "roles"))))
    private = {name for name in private if name.startswith("_")}
    found = [f"{path}: {name}" for path in sources() if path.startswith("playbooks/")
             for name in sorted(variables_read(path) & private)]
    assert private and found == []
