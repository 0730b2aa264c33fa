"""Runs ``ansible-test`` on this checkout, here and on a fresh CI machine, without containers.

    python scripts/run_ansible_test.py sanity     # what `make sanity` runs
    python scripts/run_ansible_test.py units      # what `make units` runs
    python scripts/run_ansible_test.py sanity --test pylint plugins/modules/ecs_service.py   # any ansible-test arguments

ansible-test insists on three things this checkout does not give it as it is:

* the collection at ``.../ansible_collections/nestjs_playground/infra`` as a real directory (the
  checkout's ``.collections/`` entry is a link back to it): the tracked files (``git ls-files``, plus
  new files not yet added) are copied into a temporary tree of that shape;
* the collections ours depends on (``galaxy.yml``) in that same tree: linked from the ``ansible``
  package installed next to this Python;
* containers, or a Python of its own: ``--venv`` makes one virtual environment per sanity test and one
  for the unit tests, with the requirements ansible-test pins for itself (plus ``tests/unit/
  requirements.txt``), installed from PyPI and kept under ``~/.ansible/test/venv`` for the next run.
  To put pip into a new one it runs a bootstrap script that it downloads from ci-files.testing.
  ansible.com, which is out of reach here; the script is written instead from pip's own wheel,
  fetched from PyPI with pip (the same pip release ansible-test asks for), and cached where
  ansible-test looks for it.

Nothing is skipped: every sanity test ansible-test has for a collection runs (``--list-tests``); two
of them, pslint and shellcheck, find no PowerShell or shell file to check. Sanity runs on the
collection's plugins and metadata (``SANITY_TARGETS``); the unit tests are those under
``tests/unit/plugins`` (``tests/unit/scripts`` tests the development harness, which ansible-test
cannot import; pytest runs both).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
NAMESPACE, NAME = "nestjs_playground", "infra"
CACHE = os.path.expanduser("~/.ansible/test/cache")

SANITY_TARGETS = ["plugins/", "meta/", "changelogs/"]
UNIT_TARGETS = ["tests/unit/plugins/"]

# pip installed from a wheel on sys.path (pip supports running from its wheel), with the arguments
# ansible-test gives the bootstrap script: pip's install options and the packages to install.
BOOTSTRAP = '''\
"""pip {version} bootstrap for ansible-test, written by scripts/run_ansible_test.py from pip's PyPI wheel."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "{wheel}"))
from pip._internal.cli.main import main  # noqa: E402

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall", *args]))
'''


def tracked_files(root=ROOT, skip=(".collections/",)):
    """The checkout's files as git sees them: tracked and new (not ignored), deleted ones left out.

    ``.collections/`` (the link back to the checkout) is left out unless ``skip`` says otherwise.
    """
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, check=True, capture_output=True,
    ).stdout.decode()
    files = sorted({path for path in out.split("\0") if path})
    return [path for path in files if not path.startswith(tuple(skip)) and os.path.lexists(os.path.join(root, path))]


def copy_files(files, target, root=ROOT):
    """Copies ``files`` (relative to ``root``) into ``target``; links stay links."""
    for path in files:
        source, copy = os.path.join(root, path), os.path.join(target, path)
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        if os.path.islink(source):
            os.symlink(os.readlink(source), copy)
        else:
            shutil.copy2(source, copy)
    return target


def copy_collection(destination, root=ROOT):
    """Copies the checkout to ``destination``/ansible_collections/<namespace>/<name>; returns that path.

    Links stay links (``inventories/*/group_vars/all.yml`` point inside the collection).
    """
    return copy_files(tracked_files(root), os.path.join(destination, "ansible_collections", NAMESPACE, NAME), root)


def dependencies(root=ROOT):
    with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
        return sorted((yaml.safe_load(handle) or {}).get("dependencies") or {})


def installed_collection(fqcn):
    """Where the collection ``fqcn`` is installed next to this Python (the `ansible` package carries it)."""
    namespace, name = fqcn.split(".")
    for entry in sys.path:
        path = os.path.join(entry, "ansible_collections", namespace, name)
        if os.path.isfile(os.path.join(path, "MANIFEST.json")):
            return path
    raise SystemExit(f"collection {fqcn} (a dependency in galaxy.yml) is not installed next to {sys.executable}: run `make setup`")


def link_dependencies(destination, root=ROOT):
    for fqcn in dependencies(root):
        namespace, name = fqcn.split(".")
        os.makedirs(os.path.join(destination, "ansible_collections", namespace), exist_ok=True)
        os.symlink(installed_collection(fqcn), os.path.join(destination, "ansible_collections", namespace, name))


def pip_version_for_ansible_test():
    """The pip release ansible-test bootstraps into its virtual environments."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(path, encoding="utf-8") as handle:
        match = re.search(r"\bpip='([0-9.]+)'", handle.read())
    if not match:
        raise SystemExit(f"cannot tell which pip release {path} bootstraps; update scripts/run_ansible_test.py")
    return match.group(1)


def ensure_pip_bootstrap(cache=CACHE):
    """Writes ansible-test's pip bootstrap script from pip's wheel on PyPI (once); returns its path."""
    version = pip_version_for_ansible_test()
    script = os.path.join(cache, f"get_pip_{version.replace('.', '_')}.py")
    wheel = f"pip-{version}-py3-none-any.whl"
    if os.path.exists(script) and os.path.exists(os.path.join(cache, wheel)):
        return script
    os.makedirs(cache, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", "--dest", cache, f"pip=={version}"],
        check=True,
    )
    with open(script + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(BOOTSTRAP.format(version=version, wheel=wheel))
    os.replace(script + ".tmp", script)
    return script


def ansible_test_command(command, extra):
    python = "%d.%d" % sys.version_info[:2]
    cmd = [os.path.join(BIN, "ansible-test"), command, "--venv", "--python", python, "--color", "no"]
    if not any(os.path.exists(os.path.join(ROOT, arg)) for arg in extra if not arg.startswith("-")):  # no targets: the defaults
        extra = list(extra) + (SANITY_TARGETS if command == "sanity" else UNIT_TARGETS if command == "units" else [])
    return cmd + list(extra)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", help="sanity, units or any other ansible-test command")
    parser.add_argument("--keep", action="store_true", help="keep the temporary collection tree (its tests/output holds the reports)")
    args, extra = parser.parse_known_args(argv)

    ensure_pip_bootstrap()
    workdir = tempfile.mkdtemp(prefix="ansible-test-")
    try:
        collection = copy_collection(workdir)
        link_dependencies(workdir)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_"))}
        env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
        cmd = ansible_test_command(args.command, extra)
        print("+ (cd %s && %s)" % (collection, " ".join(cmd)), flush=True)
        return subprocess.run(cmd, cwd=collection, env=env, check=False).returncode
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
