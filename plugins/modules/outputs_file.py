#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the nestjs_playground.infra collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: outputs_file
version_added: 0.2.0
short_description: Write a deployment's outputs file on the controller, with its directory
description:
  - Writes O(content) to O(path) on the controller when the file does not hold it already, creating the
    file's directory when it is missing, and gives both their modes. C(site.yml) writes the deployment's
    outputs (the CDK app's C(--outputs-file)) with it.
  - Written instead of C(ansible.builtin.file) and C(ansible.builtin.copy), which run three module processes
    for this (C(file), then C(copy)'s C(stat) and C(copy)), about 1 s of every run; this module runs in
    Ansible's worker. The file is replaced atomically (a new file renamed over the old one).
  - Supports check mode and diff mode; check mode writes nothing and reports the same C(changed) and C(diff)
    (the file's text before and after) that the real run would.
author:
  - NestJS Playground platform team (!UNKNOWN)
options:
  path:
    description: The file to write.
    required: true
    type: path
  content:
    description: The text the file holds.
    required: true
    type: str
  mode:
    description: The file's mode, in octal.
    type: str
    default: "0644"
  directory_mode:
    description: The mode of the file's directory when the module creates it, in octal.
    type: str
    default: "0755"
"""

EXAMPLES = r"""
- name: Write the outputs file, keyed by the CDK app's export names
  nestjs_playground.infra.outputs_file:
    path: outputs/nestjs-playground-dev.json
    content: "{{ outputs | to_nice_json(indent=2) }}\n"
"""

RETURN = r"""
path:
  description: The file written (or that would be).
  returned: always
  type: str
"""

import os
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule


def read_text(path):
    """The file's text, or None when there is no file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def plan(content, current_text, current_mode, mode, directory_exists):
    """What must be done: ``write`` (the text differs or there is no file), ``chmod``, ``mkdir``. Pure."""
    write = current_text != content
    chmod = not write and current_mode != mode
    return {"write": write, "chmod": chmod, "mkdir": not directory_exists, "changed": write or chmod}


def octal(module, name):
    try:
        return int(module.params[name], 8)
    except ValueError:
        module.fail_json(msg=f"{name} must be an octal mode such as 0644, got {module.params[name]!r}")


def write_atomically(module, path, content, mode):
    directory = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(prefix=".outputs-", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(content)
    os.chmod(temporary, mode)
    module.atomic_move(temporary, path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            content=dict(type="str", required=True),
            mode=dict(type="str", default="0644"),
            directory_mode=dict(type="str", default="0755"),
        ),
        supports_check_mode=True,
    )
    path, content = module.params["path"], module.params["content"]
    mode, directory_mode = octal(module, "mode"), octal(module, "directory_mode")
    directory = os.path.dirname(os.path.abspath(path))
    current_text = read_text(path)
    current_mode = stat.S_IMODE(os.stat(path).st_mode) if current_text is not None else None
    decision = plan(content, current_text, current_mode, mode, os.path.isdir(directory))
    if decision["changed"] and not module.check_mode:
        if decision["mkdir"]:
            os.makedirs(directory, exist_ok=True)
            os.chmod(directory, directory_mode)
        if decision["write"]:
            write_atomically(module, path, content, mode)
        else:
            os.chmod(path, mode)
    diff = {"before_header": path, "after_header": path, "before": current_text or "", "after": content}
    module.exit_json(changed=decision["changed"], path=path, diff=diff)


if __name__ == "__main__":
    main()
