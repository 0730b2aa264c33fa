"""The collection as users get it: ``ansible-galaxy collection build``, then the tarball installed into an
empty collections path of a fresh virtual environment (the pinned ansible-core, the ``ansible`` package
that carries amazon.aws and community.aws, boto3), and run from there against the local AWS endpoint.

Nothing of the checkout is visible to those runs: they start in an empty directory (no ansible.cfg),
with ANSIBLE_COLLECTIONS_PATH naming only the new collections path and the fresh environment's own
programs. One scenario, run once: landing zone, site, then ansible-doc for every module and role.
"""

import glob
import json
import os
import subprocess
import sys
import tarfile
import time

import pytest
import yaml

from conftest import DEV_HOST, ROOT, Run, requirement_pins, write_inventory
from run_ansible_test import copy_collection

pytestmark = pytest.mark.integration

FQCN = "nestjs_playground.infra"
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")) if not p.endswith("__init__.py"))
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p))) for p in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")))
# What a working checkout holds besides its sources (each ignored by git); none of it may ship.
DEBRIS = {
    ".venv/bin/python": "",
    ".emulator/state.json": "{}",
    ".emulator/landing-zone-nestjs-playground-dev.yml": "vpc_id: vpc-1\n",
    ".ansible/collections/readme": "",
    ".pytest_cache/v/cache/lastfailed": "{}",
    "outputs/report.txt": "",
    "bench/results.json": "{}",
    "tests/output/junit/units.xml": "",
    "tests/unit/__pycache__/test_x.cpython-311.pyc": "",
    "plugins/modules/__pycache__/ecr_repository.cpython-311.pyc": "",
    "nestjs_playground-infra-0.0.1.tar.gz": "",
}
RUNTIME_PINS = ("ansible-core", "ansible", "boto3", "botocore")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    """Builds the collection from a copy of the checkout that also holds the usual debris."""
    source = copy_collection(str(tmp_path_factory.mktemp("source")))
    for path, content in DEBRIS.items():
        os.makedirs(os.path.dirname(os.path.join(source, path)) or source, exist_ok=True)
        with open(os.path.join(source, path), "w", encoding="utf-8") as handle:
            handle.write(content)
    output = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "build", "--output-path", str(output), source],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = glob.glob(str(output / "*.tar.gz"))
    with tarfile.open(path) as archive:
        members = archive.getmembers()
    print(f"\n{os.path.basename(path)}: {os.path.getsize(path)} bytes, {len(members)} entries")
    return {"path": path, "members": {m.name: m for m in members}}


@pytest.fixture(scope="module")
def fresh(tarball, tmp_path_factory):
    """A new virtual environment with the pinned runtime, and the tarball installed into an empty path."""
    base = tmp_path_factory.mktemp("fresh")
    venv, collections = base / "venv", base / "collections"
    pins = requirement_pins()
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-compile",
         "--disable-pip-version-check", *(f"{name}=={pins[name]}" for name in RUNTIME_PINS)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(f"\npip install of {', '.join(RUNTIME_PINS)} into a new virtual environment: {time.monotonic() - started:.1f} s")
    collections.mkdir()
    workdir = base / "work"   # an empty directory: no ansible.cfg, no inventory, no checkout
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "MOLECULE_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=str(venv / "bin") + os.pathsep + "/usr/bin:/bin", ANSIBLE_COLLECTIONS_PATH=str(collections),
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0")
    install = subprocess.run(
        [str(venv / "bin" / "ansible-galaxy"), "collection", "install", tarball["path"], "-p", str(collections)],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    return {"venv": venv, "collections": collections, "workdir": workdir, "env": env, "install": install}


def run(fresh, *args, env=None):
    cmd = [str(fresh["venv"] / "bin" / args[0]), *args[1:]]
    proc = subprocess.run(cmd, cwd=fresh["workdir"], env=dict(fresh["env"], **(env or {})), capture_output=True, text=True, timeout=600, check=False)
    return Run(cmd, proc)


@pytest.fixture(scope="module")
def scenario(fresh, emulator, tmp_path_factory):
    """Landing zone, then the site, both by their names in the installed collection."""
    with open(os.path.join(ROOT, "inventories", "dev", "group_vars", "deployments.yml"), encoding="utf-8") as handle:
        dev = yaml.safe_load(handle)
    directory = tmp_path_factory.mktemp("inventory")
    inventory = write_inventory(directory, dict(dev, ansible_python_interpreter=str(fresh["venv"] / "bin" / "python")))
    env = dict(emulator.env(), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    runs = {"landing_zone": run(fresh, "ansible-playbook", f"{FQCN}.landing_zone", "-i", inventory,
                                "-e", json.dumps({"landing_zone_dir": str(directory)}), env=env)}
    lz_vars = os.path.join(directory, f"landing-zone-{DEV_HOST}.yml")
    runs["site"] = run(fresh, "ansible-playbook", f"{FQCN}.site", "-i", inventory, "-e", f"@{lz_vars}", env=env)
    return runs


@pytest.fixture(scope="module")
def docs(fresh):
    """``ansible-doc`` of every module and every role, as text (what users read) and as JSON."""
    modules = [f"{FQCN}.{name}" for name in MODULES]
    roles = [f"{FQCN}.{name}" for name in ROLES]
    result = {
        "modules_text": run(fresh, "ansible-doc", *modules),
        "modules_json": run(fresh, "ansible-doc", "--json", *modules),
        "roles_text": run(fresh, "ansible-doc", "-t", "role", *roles),
        "roles_json": run(fresh, "ansible-doc", "-t", "role", "--json", *roles),
        "list": run(fresh, "ansible-doc", "-l", FQCN),
    }
    for name, outcome in result.items():
        assert outcome.rc == 0, f"{name}: {outcome!r}"
    return result


def test_the_tarball_leaves_out_the_development_debris(tarball):
    names = set(tarball["members"])
    assert not names & set(DEBRIS)
    top_level = {name.split("/")[0] for name in names}
    assert not top_level & {".venv", ".emulator", ".ansible", ".pytest_cache", "outputs", "bench", ".git", ".collections", ".ci"}
    assert [name for name in names if "__pycache__" in name or name.endswith((".pyc", ".tar.gz")) or name.startswith("tests/output")] == []


def test_the_tarball_carries_every_module_role_and_playbook(tarball):
    names = tarball["members"]
    assert {f"plugins/modules/{name}.py" for name in MODULES} <= set(names)
    assert {f"roles/{name}/meta/argument_specs.yml" for name in ROLES} <= set(names)
    assert {"MANIFEST.json", "FILES.json", "meta/runtime.yml", "playbooks/site.yml", "playbooks/landing_zone.yml",
            "README.md", "execution-environment.yml", "meta/execution-environment.yml", "meta/ee-requirements.txt"} <= set(names)


def test_the_inventories_keep_their_link_to_the_shared_group_vars(tarball):
    member = tarball["members"]["inventories/dev/group_vars/all.yml"]
    assert member.issym() and member.linkname == "../../../group_vars/all.yml"


def test_the_tarball_installs_into_an_empty_path_using_the_collections_the_ansible_package_carries(fresh):
    install = fresh["install"]
    assert install.returncode == 0, install.stdout + install.stderr
    assert "nestjs_playground.infra:0.1.0 was installed successfully" in install.stdout
    for dependency in ("amazon.aws", "community.aws"):
        assert f"'{dependency}:" in install.stdout and "is already installed" in install.stdout
    assert sorted(os.listdir(fresh["collections"] / "ansible_collections")) == ["nestjs_playground"]
    with open(fresh["collections"] / "ansible_collections" / "nestjs_playground" / "infra" / "MANIFEST.json", encoding="utf-8") as handle:
        manifest = json.load(handle)["collection_info"]
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    assert (manifest["version"], manifest["dependencies"]) == (galaxy["version"], galaxy["dependencies"])


def test_the_landing_zone_and_the_site_run_by_their_names_in_the_installed_collection(scenario):
    for step, outcome in scenario.items():
        assert outcome.rc == 0, f"{step}: {outcome!r}"
        assert outcome.host_stats()["failures"] == 0
    assert scenario["site"].host_stats()["changed"] > 0


def test_the_site_from_the_tarball_builds_the_environment(scenario, ansible):
    assert [r["repositoryName"] for r in ansible.client("ecr").describe_repositories()["repositories"]] == ["nestjs-playground"]
    (cluster,) = ansible.client("ecs").describe_clusters(clusters=["nestjs-playground-dev"])["clusters"]
    assert cluster["status"] == "ACTIVE"
    services = ansible.client("ecs").describe_services(cluster="nestjs-playground-dev", services=["nestjs-playground-dev"])["services"]
    assert [s["status"] for s in services] == ["ACTIVE"]
    clusters = ansible.client("rds").describe_db_clusters()["DBClusters"]
    assert [c["Engine"] for c in clusters] == ["aurora-postgresql"]
    lines = "\n".join(scenario["site"].result("Show what the environment is made of")["msg"])
    assert "nestjs-playground-api.example.com" in lines


@pytest.mark.parametrize("module", MODULES)
def test_every_module_renders_with_ansible_doc_from_the_installed_collection(docs, fresh, module):
    fqcn = f"{FQCN}.{module}"
    doc = json.loads(docs["modules_json"].stdout)[fqcn]["doc"]
    assert doc["short_description"] and doc["options"]
    assert doc["filename"].startswith(str(fresh["collections"]))
    assert f"> MODULE {fqcn} ({fresh['collections']}" in docs["modules_text"].stdout
    assert f"{fqcn} " in docs["list"].stdout


@pytest.mark.parametrize("role", ROLES)
def test_every_role_renders_with_ansible_doc_from_the_installed_collection(docs, fresh, role):
    fqcn = f"{FQCN}.{role}"
    entry = json.loads(docs["roles_json"].stdout)[fqcn]
    assert entry["path"].startswith(str(fresh["collections"]))
    assert entry["entry_points"]["main"]["short_description"]
    assert f"> ROLE: *{fqcn}* ({fresh['collections']}" in docs["roles_text"].stdout


def test_ansible_doc_lists_exactly_the_collections_modules(docs):
    listed = sorted(line.split()[0] for line in docs["list"].stdout.splitlines() if line.startswith(f"{FQCN}."))
    assert listed == [f"{FQCN}.{name}" for name in MODULES]
