"""The oracle for tests/tests/budget_demo_pb.rs: for every `.pb` file given,
pabutools 1.2.3 and pabulib-checker 1.0.8 read the demo's exports.

For each file:
- pabutools' `parse_pabulib` reads it;
- pabutools counts it under the file's own `rule` and its outcome must
  equal the file's `selected` column: greedy / greedy-threshold with
  `greedy_utilitarian_welfare(sat_class=Cost_Sat)` on the projects with at
  least `min_project_score_threshold` votes; equalshares/add1 with
  `method_of_equal_shares(sat_class=Cost_Sat, voter_budget_increment=1)`;
  equalshares/add1-comparison: that, then the comparison step as
  crosscheck.py computes it (greedy wins only when strictly more voters
  approve more of its winners). Ties: the file's project order, which is
  the edition's tie order (the export writes it so);
- pabulib-checker's `Checker().process_files` reports no error (its
  warnings are printed, not failed on).

Prints one line per file and exits 1 when any check failed.

Usage: python check_files.py FILE.pb...
"""

import contextlib
import csv
import io
import sys
from fractions import Fraction

from pabutools.election import Cost_Sat, Instance, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule


def sections(path):
    """The META key/values and the PROJECTS rows (in file order) as dicts."""
    meta, projects, section, header = {}, [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line in ("META", "PROJECTS", "VOTES"):
                section, header = line, None
                continue
            # The format's CSV quoting (a name may hold ';'), read by header.
            cells = next(csv.reader([line], delimiter=";"))
            if header is None:
                header = cells
                continue
            if section == "META":
                meta[cells[0]] = cells[1]
            elif section == "PROJECTS":
                row = dict(zip(header, cells))
                projects.append({"project_id": row["project_id"], "selected": row["selected"]})
    return meta, projects


def outcome(path, meta, order):
    instance, profile = parse_pabulib(path)
    approvals = {p.name: 0 for p in instance}
    for ballot in profile:
        for p in ballot:
            approvals[p.name] += 1
    tie = TieBreakingRule(lambda inst, prof, p: order[p.name])
    rule = meta["rule"]

    def greedy(min_votes):
        eligible = Instance(
            [p for p in instance if approvals[p.name] >= min_votes],
            budget_limit=instance.budget_limit,
        )
        return greedy_utilitarian_welfare(eligible, profile, sat_class=Cost_Sat, tie_breaking=tie)

    if rule == "greedy":
        return greedy(0)
    if rule == "greedy-threshold":
        return greedy(int(meta["min_project_score_threshold"]))
    mes = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, voter_budget_increment=Fraction(1), tie_breaking=tie
    )
    if rule == "equalshares/add1":
        return mes
    if rule != "equalshares/add1-comparison":
        raise ValueError(f"unknown rule {rule}")
    g = greedy(0)
    mes_names = {p.name for p in mes}
    greedy_names = {p.name for p in g}
    prefer_mes = prefer_greedy = 0
    for ballot in profile:
        m = sum(1 for p in ballot if p.name in mes_names)
        k = sum(1 for p in ballot if p.name in greedy_names)
        if m > k:
            prefer_mes += 1
        elif k > m:
            prefer_greedy += 1
    return g if prefer_greedy > prefer_mes else mes


def check(path):
    """Problems found in one file (empty: it passed)."""
    problems = []
    meta, projects = sections(path)
    order = {p["project_id"]: i for i, p in enumerate(projects)}
    expected = sorted(int(p["project_id"]) for p in projects if p["selected"] == "1")
    try:
        got = sorted(int(p.name) for p in outcome(path, meta, order))
        if got != expected:
            problems.append(f"pabutools ({meta.get('rule')}) selects {got}, the file {expected}")
    except Exception as e:  # noqa: BLE001 - any failure of pabutools is the finding
        problems.append(f"pabutools failed: {e!r}")

    from pabulib import Checker

    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        results = Checker().process_files([path])
    for key, value in results.items():
        if key == "metadata" or not isinstance(value, dict):
            continue
        found = value.get("results", {})
        for name, details in (found.get("warnings") or {}).items():
            print(f"  checker warning in {path}: {name}: {details}")
        for name, details in (found.get("errors") or {}).items():
            problems.append(f"checker error: {name}: {details}")
    return problems


def main():
    failed = False
    for path in sys.argv[1:]:
        problems = check(path)
        if problems:
            failed = True
            for p in problems:
                print(f"FAIL {path}: {p}")
        else:
            print(f"ok {path}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
