"""The oracle for protocol/tests/pabutools_crosscheck.rs: pabutools 1.2.3
counts every `N.pb` in a directory under the rule its sidecar `N.json`
names, and prints one JSON line per instance: {"name": N, "selected": [ids]}.

Rules (docs/plans/issue-15.md section 5; R§2 of the reference):
- greedy, greedy-threshold: greedy_utilitarian_welfare(sat_class=Cost_Sat)
  on the projects with at least `min_votes` approvals;
- equalshares/add1: method_of_equal_shares(sat_class=Cost_Sat,
  voter_budget_increment=increment);
- equalshares/add1-comparison: the same, then pabulib-checker's comparison
  ("satisfaction"): greedy on all projects and the full budget wins only
  when strictly more voters approve more of its winners.
Ties everywhere: (cost, -approvals, lot rank), the edition's default order.

Usage: python crosscheck.py DIR
"""

import json
import os
import sys
from fractions import Fraction

from pabutools.election import Cost_Sat, Instance, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule


def count(pb_path, side):
    instance, profile = parse_pabulib(pb_path)
    approvals = {p.name: 0 for p in instance}
    for ballot in profile:
        for p in ballot:
            approvals[p.name] += 1
    lot = side["lot"]
    tie = TieBreakingRule(lambda inst, prof, p: (p.cost, -approvals[p.name], lot[p.name]))

    def greedy(min_votes):
        eligible = Instance(
            [p for p in instance if approvals[p.name] >= min_votes],
            budget_limit=instance.budget_limit,
        )
        return greedy_utilitarian_welfare(eligible, profile, sat_class=Cost_Sat, tie_breaking=tie)

    rule = side["rule"]
    if rule in ("greedy", "greedy-threshold"):
        return greedy(side["min_votes"])
    mes = method_of_equal_shares(
        instance,
        profile,
        sat_class=Cost_Sat,
        voter_budget_increment=Fraction(side["increment"]),
        tie_breaking=tie,
    )
    if rule == "equalshares/add1":
        return mes
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


def main():
    directory = sys.argv[1]
    names = sorted(f[:-3] for f in os.listdir(directory) if f.endswith(".pb"))
    for name in names:
        with open(os.path.join(directory, name + ".json")) as f:
            side = json.load(f)
        selected = count(os.path.join(directory, name + ".pb"), side)
        print(json.dumps({"name": name, "selected": sorted(int(p.name) for p in selected)}), flush=True)


if __name__ == "__main__":
    main()
