"""The entry points other than main are generated from each role's meta/entry_points.yml: the committed argument specs
are what scripts/entry_point_specs.py writes, and no option is declared by hand in two places."""

import collections
import os

import pytest
import yaml

import entry_point_specs


@pytest.mark.parametrize("path", sorted(entry_point_specs.render()))
def test_the_committed_argument_spec_is_what_the_script_writes(path):
    with open(os.path.join(entry_point_specs.ROOT, path), encoding="utf-8") as handle:
        assert handle.read() == entry_point_specs.render()[path], f"{path} is out of date: run `make specs`"


def test_no_option_is_declared_twice_by_hand():
    """Across the main entry points and the own_options of every role's entry_points.yml."""
    places = collections.defaultdict(list)
    for name, where in entry_point_specs.declarations(entry_point_specs.load()):
        places[name].append(where)
    assert {name: where for name, where in places.items() if len(where) > 1} == {}


def test_every_entry_point_but_main_comes_from_entry_points_yml():
    for role, (main_text, _, entry_points) in entry_point_specs.load().items():
        path = os.path.join(entry_point_specs.ROOT, "roles", role, entry_point_specs.SPECS)
        with open(path, encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        assert list(specs) == ["main", *entry_points], role
        assert yaml.safe_load(main_text)["argument_specs"]["main"] == specs["main"], role


def test_a_named_option_is_main_s_spec():
    loaded = entry_point_specs.load()
    main = loaded["aurora"][1]
    generated = entry_point_specs.entry_point_specs("aurora", loaded)
    assert generated["copy_snapshot"]["options"]["database_cluster_identifier"] == main["database_cluster_identifier"]
    # another role's main option: ecr's prepare_absent takes ecs_service's cluster name
    assert (entry_point_specs.entry_point_specs("ecr", loaded)["prepare_absent"]["options"]["ecs_cluster_name"]
            == loaded["ecs_service"][1]["ecs_cluster_name"])
    # an option no main declares, declared once in aurora's prepare_absent and named by its absent
    own = loaded["aurora"][2]["prepare_absent"]["own_options"]
    assert generated["absent"]["options"]["destroy_database"] == own["destroy_database"]


MAIN = """---
argument_specs:
  main:
    short_description: A role.
    options:
      size:
        type: int
        default: 1
        description: How many.
  old:
    short_description: Replaced by the generated part.
"""


def fixture_root(tmp_path, entry_points):
    (tmp_path / "roles" / "one" / "meta").mkdir(parents=True)
    (tmp_path / "roles" / "one" / "meta" / "argument_specs.yml").write_text(MAIN, encoding="utf-8")
    (tmp_path / "roles" / "one" / "meta" / "entry_points.yml").write_text(entry_points, encoding="utf-8")
    return str(tmp_path)


def test_main_is_kept_byte_for_byte_and_the_copies_take_overrides(tmp_path):
    root = fixture_root(tmp_path, """---
scale:
  short_description: Scale.
  description:
    - Scales.
  own_options:
    action:
      type: str
      choices: [stop, start]
      description: What to do.
  options:
    - action
    - size: {required: true}
""")
    text = entry_point_specs.render(root)[os.path.join("roles", "one", "meta", "argument_specs.yml")]
    assert text.startswith(MAIN.split("  old:")[0] + entry_point_specs.MARKER)
    specs = yaml.safe_load(text)["argument_specs"]
    assert list(specs) == ["main", "scale"]
    assert specs["scale"]["options"] == {
        "action": {"type": "str", "choices": ["stop", "start"], "description": "What to do."},
        "size": {"type": "int", "default": 1, "required": True, "description": "How many."},
    }
    assert entry_point_specs.render(root) == entry_point_specs.render(root)


@pytest.mark.parametrize("entry_points, problem", [
    ("---\nx:\n  short_description: X.\n  options: [nowhere]\n", "names nowhere"),
    ("---\nx:\n  short_description: X.\n  own_options:\n    size: {type: int, description: Again.}\n"
     "  options: [size]\n", "size is declared twice"),
    ("---\nx:\n  short_description: X.\n  own_options:\n    other: {type: int, description: Unlisted.}\n",
     "without listing it"),
])
def test_a_name_nothing_declares_or_one_declared_twice_is_refused(tmp_path, entry_points, problem):
    with pytest.raises(entry_point_specs.SpecError, match=problem):
        entry_point_specs.render(fixture_root(tmp_path, entry_points))
