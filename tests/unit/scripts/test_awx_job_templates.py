"""Every playbook an operator runs has its AWX job template (awx/job_templates.yml), read without AWX.

A playbook of playbooks/ counts as templated when a job template runs it, or runs a playbook that imports it
(site.yml imports playbooks/site.yml). The ones without a template are listed, each with its reason, in
docs/awx.md's section "Playbooks without a job template"; any other playbook without one fails here.
"""

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXCEPTIONS_HEADING = "## Playbooks without a job template"


def load(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def playbooks():
    """The playbooks of playbooks/ (its .yml files; tasks/, templates/ and vars/ hold none)."""
    return sorted(f"playbooks/{name}" for name in os.listdir(os.path.join(ROOT, "playbooks"))
                  if name.endswith(".yml") and os.path.isfile(os.path.join(ROOT, "playbooks", name)))


def templated():
    """The playbook of each job template, with the playbooks it imports."""
    found, todo = set(), [entry["playbook"] for entry in load("awx/job_templates.yml")["awx_playbooks"].values()]
    while todo:
        playbook = todo.pop()
        if playbook in found:
            continue
        found.add(playbook)
        for play in load(playbook) or []:
            imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
            if imported:
                todo.append(os.path.normpath(os.path.join(os.path.dirname(playbook), imported)))
    return found


def exceptions():
    """docs/awx.md's table of playbooks without a job template: playbook -> why not."""
    with open(os.path.join(ROOT, "docs", "awx.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert EXCEPTIONS_HEADING in text, f"docs/awx.md has no section {EXCEPTIONS_HEADING!r}"
    section = text.split(EXCEPTIONS_HEADING, 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(playbooks/[^`]+)` \| (.*?) \|$", section, re.MULTILINE))


def without_template(all_playbooks, with_template, excused):
    return sorted(set(all_playbooks) - set(with_template) - set(excused))


def test_every_playbook_has_a_job_template_or_a_documented_reason_not_to():
    missing = without_template(playbooks(), templated(), exceptions())
    assert missing == [], (f"{missing}: add a job template to awx/job_templates.yml, or say why not in docs/awx.md's"
                           f" {EXCEPTIONS_HEADING!r}")


def test_a_playbook_without_template_or_reason_is_found():
    # the check above can fail: a new playbook nobody templated is reported by name
    assert without_template(playbooks() + ["playbooks/new_operation.yml"], templated(), exceptions()) == [
        "playbooks/new_operation.yml"]


def test_each_playbook_without_a_template_exists_has_a_reason_and_really_has_no_template():
    excused = exceptions()
    assert excused, "docs/awx.md lists no playbook without a job template: remove its section or the test"
    for playbook, reason in excused.items():
        assert playbook in playbooks(), playbook
        assert playbook not in templated(), f"{playbook} has a job template: take it out of docs/awx.md's list"
        assert len(reason.split()) >= 5, (playbook, reason)


def test_every_job_template_runs_a_playbook_that_exists():
    for key, entry in load("awx/job_templates.yml")["awx_playbooks"].items():
        assert os.path.isfile(os.path.join(ROOT, entry["playbook"])), (key, entry["playbook"])
        assert entry["description"], key


def test_a_question_for_some_environments_names_environments_that_exist():
    data = load("awx/job_templates.yml")
    for key, entry in data["awx_playbooks"].items():
        for question in entry["survey"]:
            assert set(question.get("environments", data["awx_environments"])) <= set(data["awx_environments"]), key
    assert set(data["awx_snapshot_copy_environments"]) <= set(data["awx_environments"])
