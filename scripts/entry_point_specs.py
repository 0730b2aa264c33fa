#!/usr/bin/env python3
"""Writes the entry points other than `main` of each role's meta/argument_specs.yml from its meta/entry_points.yml:
an option is declared once, and every other entry point that takes it names it. `make specs` (and `make docs`) runs
it; tests/unit/scripts/test_entry_point_specs.py fails when a committed argument spec differs from what it writes.

Each role's meta/argument_specs.yml is, up to the end of its `main` entry point (always the first), hand-written and
kept byte for byte as it is read; the script replaces what follows with the entry points of meta/entry_points.yml, in
its order, under a comment that says they are generated. There each entry point has its short_description and
description, and its options by name, in order; a name is resolved to, in this order:

- the same role's `main` option of that name;
- another role's `main` option of that name (no two roles' `main` declare the same option);
- the option of that name declared under `own_options:` of one entry point, of this role or another. An option that
  no `main` declares (destroy_database, scale_action...) is declared there once, in the entry point of the role that
  owns it, and listed in that entry point's options too.

An entry of `options:` may be a one-key mapping `{name: {key: value}}` instead of a name: the keys given replace the copied
spec's, for the few entry points whose behaviour needs it (say why beside it, in a comment).

    python scripts/entry_point_specs.py            # rewrite the roles' meta/argument_specs.yml
    python scripts/entry_point_specs.py --check    # exit 1 when one is out of date
"""

import argparse
import copy
import os
import re
import sys
import textwrap

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = os.path.join("meta", "argument_specs.yml")
SOURCE = os.path.join("meta", "entry_points.yml")
MARKER = ("  # The entry points below are generated from meta/entry_points.yml by scripts/entry_point_specs.py"
          " (make specs):\n  # do not edit them by hand; edit that file, or the main entry point above, then run"
          " make specs.\n")
# The end of the main entry point: the first line after `  main:` indented by two spaces or fewer (the next entry
# point, the generated part's comment, or another top-level key).
_OUTDENT = re.compile(r"^ {0,2}\S")


class SpecError(Exception):
    """An entry_points.yml names an option nothing declares, or declares one twice."""


def roles(root=ROOT):
    return sorted(name for name in os.listdir(os.path.join(root, "roles"))
                  if os.path.exists(os.path.join(root, "roles", name, SPECS)))


def split_main(text, path="argument_specs.yml"):
    """(the file's text up to the end of its main entry point, the rest) of an argument_specs.yml."""
    lines = text.splitlines(keepends=True)
    try:
        top = lines.index("argument_specs:\n")
    except ValueError:
        raise SpecError(f"{path}: no line `argument_specs:`") from None
    start = next((index for index in range(top + 1, len(lines)) if lines[index].strip()), None)
    if start is None or lines[start] != "  main:\n":
        raise SpecError(f"{path}: the first entry point is not main")
    end = next((index for index in range(start + 1, len(lines)) if _OUTDENT.match(lines[index])), len(lines))
    return "".join(lines[:end]), "".join(lines[end:])


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def load(root=ROOT):
    """{role: (main's text, main's options, the entry points of entry_points.yml or {})}."""
    loaded = {}
    for role in roles(root):
        path = os.path.join(root, "roles", role, SPECS)
        main_text, _ = split_main(_read(path), os.path.relpath(path, root))
        options = (yaml.safe_load(main_text)["argument_specs"]["main"] or {}).get("options") or {}
        source = os.path.join(root, "roles", role, SOURCE)
        entry_points = (yaml.safe_load(_read(source)) or {}) if os.path.exists(source) else {}
        if "main" in entry_points:
            raise SpecError(f"roles/{role}/{SOURCE}: main is hand-written in {SPECS}, not here")
        loaded[role] = (main_text, options, entry_points)
    return loaded


def _name_and_override(item):
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict) and len(item) == 1:
        name, override = next(iter(item.items()))
        return name, dict(override or {})
    raise SpecError(f"an option is a name or {{name: {{key: value}}}}, not {item!r}")


def declarations(loaded):
    """Every option declared by hand: (name, where) for each main option and each own_options entry."""
    found = []
    for role, (_, options, entry_points) in loaded.items():
        found += [(name, f"{role} main") for name in options]
        for entry, spec in entry_points.items():
            found += [(name, f"{role} {entry} own_options") for name in (spec.get("own_options") or {})]
    return found


def _registry(loaded):
    """({name: (role, main option)}, {name: (role, entry point, own option)}); fails on a name declared twice."""
    mains, owned, seen = {}, {}, {}
    for name, where in declarations(loaded):
        if name in seen:
            raise SpecError(f"{name} is declared twice: in {seen[name]} and in {where}")
        seen[name] = where
    for role, (_, options, entry_points) in loaded.items():
        mains.update({name: (role, option) for name, option in options.items()})
        for entry, spec in entry_points.items():
            for name, option in (spec.get("own_options") or {}).items():
                owned[name] = (role, entry, option)
    return mains, owned


def entry_point_specs(role, loaded):
    """The generated entry points of a role: {entry point: its argument spec}."""
    mains, owned = _registry(loaded)
    _, main_options, entry_points = loaded[role]
    specs = {}
    for entry, source in entry_points.items():
        unknown = set(source) - {"short_description", "description", "options", "own_options"}
        if unknown:
            raise SpecError(f"roles/{role}/{SOURCE}: {entry} has {', '.join(sorted(unknown))}")
        names = [_name_and_override(item) for item in source.get("options") or []]
        unlisted = set(source.get("own_options") or {}) - {name for name, _ in names}
        if unlisted:
            raise SpecError(f"roles/{role}/{SOURCE}: {entry} declares {', '.join(sorted(unlisted))} without listing it")
        spec = {key: source[key] for key in ("short_description", "description") if key in source}
        options = {}
        for name, override in names:
            if name in options:
                raise SpecError(f"roles/{role}/{SOURCE}: {entry} lists {name} twice")
            if name in main_options:
                option = main_options[name]
            elif name in mains:
                option = mains[name][1]
            elif name in owned:
                option = owned[name][2]
            else:
                raise SpecError(f"roles/{role}/{SOURCE}: {entry} names {name}, which no main option and no"
                                " own_options declares")
            option = dict(copy.deepcopy(option), **override)
            options[name] = option
        if options:
            spec["options"] = options
        specs[entry] = spec
    return specs


# Lines as the hand-written files have them: the items of a description folded at 120 columns, a `key: value`
# on one line up to yamllint's 140.
WIDTH, LONGEST = 120, 140
FLOW = ("choices", "default")   # lists written [a, b]


def _scalar(value):
    """A scalar as YAML writes it on one line, quoted only where it must be, and then in double quotes."""
    text = yaml.safe_dump({"k": value}, width=float("inf"), allow_unicode=True)[3:].rstrip("\n").removesuffix("\n...")
    if len(text) > 1 and text[0] == text[-1] == "'" and not {'"', "\\"} & set(text):
        text = '"' + text[1:-1].replace("''", "'") + '"'
    return text


def _wrapped(head, value, indent, width):
    """`head value`: a plain string longer than width folded over lines of at most WIDTH, continued at indent; any
    other value, or a string YAML would not read back from the folded lines, on one line."""
    text = _scalar(value)
    if len(head + text) <= width or not isinstance(value, str) or text != value:
        return [head + text]
    folded = textwrap.wrap(text, WIDTH, initial_indent=head, subsequent_indent=indent,
                           break_long_words=False, break_on_hyphens=False)
    loaded = yaml.safe_load(textwrap.dedent("\n".join(folded)))
    key = head.strip()
    return folded if loaded == ([value] if key == "-" else {key[:-1]: value}) else [head + text]


def _emit(mapping, indent):
    lines = []
    for key, value in mapping.items():
        head = f"{indent}{key}:"
        if isinstance(value, dict):
            lines += [head] + _emit(value, indent + "  ") if value else [head + " {}"]
        elif isinstance(value, list) and (key in FLOW or not value):
            lines.append(f"{head} [{', '.join(_scalar(item) for item in value)}]")
        elif isinstance(value, list):
            lines.append(head)
            for item in value:
                lines += _wrapped(f"{indent}  - ", item, indent + "    ", WIDTH)
        else:
            lines += _wrapped(head + " ", value, indent + "  ", LONGEST)
    return lines


def _dump(specs):
    text = "\n".join(_emit(specs, "  ")) + "\n"
    if yaml.safe_load(text) != specs:
        raise SpecError("the generated YAML does not read back as the specs it was written from")
    return text


def render(root=ROOT):
    """{path relative to root: the text meta/argument_specs.yml should hold} for every role."""
    loaded = load(root)
    rendered = {}
    for role, (main_text, _, entry_points) in loaded.items():
        text = main_text
        if entry_points:
            text += MARKER + _dump(entry_point_specs(role, loaded))
        rendered[os.path.join("roles", role, SPECS)] = text
    return rendered


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a meta/argument_specs.yml is out of date")
    args = parser.parse_args(argv)
    try:
        rendered = render()
    except SpecError as error:
        print(f"entry_point_specs: {error}", file=sys.stderr)
        return 1
    stale = [path for path, text in rendered.items() if _read(os.path.join(ROOT, path)) != text]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run `make specs`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        with open(os.path.join(ROOT, path), "w", encoding="utf-8") as handle:
            handle.write(rendered[path])
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
