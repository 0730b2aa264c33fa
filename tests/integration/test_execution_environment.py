"""The AWX execution environment: execution-environment.yml, and the build context ansible-builder writes.

Building the image needs a container engine (left to users); ``ansible-builder create`` writes the
build context without one, and the dependency introspection the image build runs is a script in that
context, run here against the collections the tests use. No AWS endpoint is involved.
"""

import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible.galaxy.dependency_resolution.versioning import meets_requirements

from conftest import BIN, ROOT, requirement_pins
from run_ansible_test import installed_collection

DEFINITION = os.path.join(ROOT, "execution-environment.yml")
# The versions the tests run with: requirements.txt pins them, and the image must carry the same.
PINS = requirement_pins()
DEVELOPMENT_TOOLS = ("moto", "pytest", "pytest-xdist", "molecule", "ansible-lint", "yamllint", "antsibull-changelog", "ansible-builder")


def load(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def pip_pin(spec):
    name, _sep, version = spec.partition("==")
    return name.strip().lower(), version.strip()


def installed_version(fqcn):
    with open(os.path.join(installed_collection(fqcn), "MANIFEST.json"), encoding="utf-8") as handle:
        return json.load(handle)["collection_info"]["version"]


@pytest.fixture(scope="module")
def definition():
    return load("execution-environment.yml")


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """``ansible-builder create``: the build context, as a dict of its files' text."""
    directory = tmp_path_factory.mktemp("ee") / "context"
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "create", "--file", DEFINITION, "--context", str(directory),
         "--output-filename", "Containerfile"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = {}
    for folder, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as handle:
                files[os.path.relpath(path, directory)] = handle.read()
    return {"dir": directory, "files": files, "output": proc.stdout}


def test_the_definition_is_ansible_builder_v3_naming_the_collections_and_the_python_requirements(definition):
    assert definition["version"] == 3
    assert definition["dependencies"]["galaxy"] == "requirements.yml"
    assert definition["dependencies"]["python"] == "meta/ee-requirements.txt"
    assert load("meta/execution-environment.yml")["dependencies"]["python"] == "meta/ee-requirements.txt"


def test_every_python_pin_of_the_execution_environment_is_the_one_requirements_txt_pins(definition):
    ee = dict(requirement_pins(os.path.join(ROOT, "meta/ee-requirements.txt")))
    for key in ("ansible_core", "ansible_runner"):
        name, version = pip_pin(definition["dependencies"][key]["package_pip"])
        ee[name] = version
    assert set(ee) >= {"ansible-core", "ansible-runner", "boto3", "botocore"}
    assert {name: PINS.get(name) for name in ee} == ee


def test_the_collections_the_tests_run_with_are_versions_the_execution_environment_accepts():
    wanted = {entry["name"]: entry.get("version", "*") for entry in load("requirements.yml")["collections"]}
    assert set(load("galaxy.yml")["dependencies"]) <= set(wanted)
    for fqcn, requirement in wanted.items():
        assert meets_requirements(installed_version(fqcn), requirement), f"{fqcn} {installed_version(fqcn)} vs {requirement}"


def test_ansible_builder_create_writes_the_containerfile_of_the_definition(context):
    containerfile = context["files"]["Containerfile"]
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile
    refs = f"ansible-core=={PINS['ansible-core']} ansible-runner=={PINS['ansible-runner']}"
    assert f'ARG ANSIBLE_INSTALL_REFS="{refs}"' in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect --user-pip=requirements.txt" in containerfile
    assert "LABEL ansible-execution-environment=true" in containerfile


def test_the_build_context_carries_the_collections_and_the_python_requirements(context):
    files = context["files"]
    assert yaml.safe_load(files[os.path.join("_build", "requirements.yml")]) == load("requirements.yml")
    boto = {"boto3": PINS["boto3"], "botocore": PINS["botocore"]}
    assert requirement_pins(os.path.join(context["dir"], "_build", "requirements.txt")) == boto
    for script in ("assemble", "introspect.py", "install-from-bindep", "check_ansible", "check_galaxy", "entrypoint"):
        assert os.path.join("_build", "scripts", script) in files


def test_the_image_build_would_install_the_pinned_boto3_and_none_of_the_development_tools(context, tmp_path):
    """Runs the context's own introspection (the image build's step) over the collections the image gets."""
    root = tmp_path / "collections" / "ansible_collections"
    for entry in load("requirements.yml")["collections"]:
        namespace, name = entry["name"].split(".")
        (root / namespace).mkdir(parents=True, exist_ok=True)
        (root / namespace / name).symlink_to(installed_collection(entry["name"]))
    (root / "nestjs_playground").mkdir()
    (root / "nestjs_playground" / "infra").symlink_to(ROOT)
    written = tmp_path / "requirements.txt"
    proc = subprocess.run(
        [sys.executable, os.path.join("_build", "scripts", "introspect.py"), "introspect", "--user-pip=_build/requirements.txt",
         f"--write-pip={written}", f"--write-bindep={tmp_path / 'bindep.txt'}", str(tmp_path / "collections")],
        cwd=context["dir"], capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in written.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert f"boto3=={PINS['boto3']}  # from collection nestjs_playground.infra" in lines
    assert f"botocore=={PINS['botocore']}  # from collection nestjs_playground.infra" in lines
    assert any(line.endswith("# from collection amazon.aws") for line in lines)
    names = {line.split("#")[0].split("==")[0].split(">=")[0].strip().lower() for line in lines}
    assert not names & set(DEVELOPMENT_TOOLS), lines
