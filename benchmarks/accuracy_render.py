"""The figures of benchmarks/accuracy.py as Markdown: one table per family, tuning and held-out seeds apart."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cointrail.simulation.families import FAMILIES

PAIRS = ("predicted_pairs", "true_pairs", "correct_pairs", "false_merges", "addresses_in_false_merges",
         "ordinary", "ordinary_flagged", "held_links")  # fmt: skip


def _pool(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Seeds pooled: counts summed before dividing (micro-averaged)."""
    total = {k: sum(s.get(k, 0) for s in scores) for k in PAIRS}
    shapes: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    marked: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in scores:
        for shape, cell in s.get("shapes", {}).items():
            shapes[shape] = [a + b for a, b in zip(shapes[shape], cell, strict=True)]
        for kind, cell in s.get("marked", {}).items():
            marked[kind] = [a + b for a, b in zip(marked[kind], cell, strict=True)]
    worst = max((s["worst_merge"] for s in scores), key=lambda w: (w["owners"], w["addresses"]))
    total.update(
        precision=total["correct_pairs"] / total["predicted_pairs"] if total["predicted_pairs"] else 1.0,
        recall=total["correct_pairs"] / total["true_pairs"] if total["true_pairs"] else 1.0,
        shapes=dict(shapes),
        marked=dict(marked),
        worst=worst,
    )
    return total


def _shapes(pooled: dict[str, Any]) -> str:
    cells = [f"{shape} {cj}/{n}" + (f" (+{any_ - cj} flagged)" if any_ > cj else "")
             for shape, (n, cj, any_) in sorted(pooled["shapes"].items())]  # fmt: skip
    return "; ".join(cells) or "–"


def _marked(pooled: dict[str, Any]) -> str:
    return "; ".join(f"{kind} {f}/{n}" for kind, (n, f) in sorted(pooled["marked"].items())) or "–"


def _splits(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    split: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        split[row["split"]].append(row)
    return dict(sorted(split.items(), key=lambda kv: kv[0] != "tuning"))


def family_table(family: str, rows: list[dict[str, Any]], configs: list[str]) -> list[str]:
    fam = FAMILIES[family]
    told = "" if fam.told else " **Never shown to the detection work.**"
    lines = [f"#### {family}", "", f"{fam.summary}.{told}", "",
             "| seeds | heuristics | pairwise precision | pairwise recall | false merges (addresses) | worst cluster "
             "(owners / addresses) | CoinJoins detected, per shape | ordinary txs flagged | single-owner look-alikes "
             "flagged | links held back |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for split, group in _splits(rows).items():
        seeds = f"{split} ({', '.join(str(r['seed']) for r in group)})"
        for config in configs:
            p = _pool([r["configs"][config] for r in group])
            rate = p["ordinary_flagged"] / p["ordinary"] if p["ordinary"] else 0.0
            lines.append(
                f"| {seeds} | {config} | {p['precision']:.4f} | {p['recall']:.4f} | {p['false_merges']} "
                f"({p['addresses_in_false_merges']}) | {p['worst']['owners']} / {p['worst']['addresses']} | "
                f"{_shapes(p)} | {p['ordinary_flagged']}/{p['ordinary']} ({rate:.1%}) | {_marked(p)} | "
                f"{p['held_links']} |"
            )
    return lines + [""]


def payers_table(by_family: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = ["#### `payers` on the same scenarios", "",
             "| family | seeds | site payments (listed) | paying customers: wallets / people | payer groups per "
             "person | funding exchange right | wrong exchange named at \"funded by\" |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for family, rows in by_family.items():
        for split, group in _splits(rows).items():
            s = {k: sum(r["payers"][k] for r in group) for k in (
                "payments", "payments_found", "paying_wallets", "paying_people", "payer_groups",
                "funded_customers", "funding_right", "wrong_exchange_named")}  # fmt: skip
            right = s["funding_right"] / s["funded_customers"] if s["funded_customers"] else 1.0
            per = s["payer_groups"] / s["paying_people"] if s["paying_people"] else 0.0
            lines.append(
                f"| {family} | {split} ({', '.join(str(r['seed']) for r in group)}) | {s['payments']} "
                f"({s['payments_found']}) | {s['paying_wallets']} / {s['paying_people']} | {per:.2f} | "
                f"{s['funding_right']}/{s['funded_customers']} ({right:.1%}) | {s['wrong_exchange_named']} |"
            )
    return lines + [""]


def wallets_per_person(rows: list[dict[str, Any]]) -> tuple[float, int, int]:
    """Payer groups (the wallets `payers` lists) per paying person, pooled over every scenario."""
    groups = sum(r["payers"]["payer_groups"] for r in rows)
    people = sum(r["payers"]["paying_people"] for r in rows)
    return (groups / people if people else 0.0), groups, people


def render(measured: dict[str, Any], configs: list[str], title: str = "") -> str:
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in measured["rows"]:
        by_family[row["family"]].append(row)
    sizes = "; ".join(f"{r['family']} {r['seed']}: height {r['height']}, {r['addresses']:,} addresses, "
                      f"{r['wallets']} wallets" for r in measured["rows"])  # fmt: skip
    ratio, groups, people = wallets_per_person(measured["rows"])
    lines = [title, ""] if title else []
    lines += [f"Measured {measured['date']} on commit {measured['code']} with `benchmarks/accuracy.py` "
              f"(litecoind 0.21 -regtest). Scenarios: {sizes}.", "",
              f"Payer groups per paying person, all scenarios pooled: **{ratio:.2f}** ({groups} groups for "
              f"{people} people).", ""]  # fmt: skip
    for family, rows in by_family.items():
        lines += family_table(family, rows, configs)
    lines += payers_table(by_family)
    return "\n".join(lines)


def _target_cells(rows: list[dict[str, Any]]) -> dict[str, str]:
    """One split's figures against the targets of issue 12 (default set unless said)."""
    configs = list(rows[0]["configs"])
    alone, default = (_pool([r["configs"][c] for r in rows]) for c in (configs[0], configs[-1]))
    shapes = [(n, caught) for n, _, caught in default["shapes"].values()]
    keys = ("funded_customers", "funding_right", "wrong_exchange_named")
    payers = {k: sum(r["payers"][k] for r in rows) for k in keys}
    return {
        "precision": f"{default['precision']:.3f}", "false merges": str(default["false_merges"]),
        "collaborative caught": f"{sum(c for _, c in shapes)}/{sum(n for n, _ in shapes)}" if shapes else "–",
        "recall (multi-input / default)": f"{alone['recall']:.3f} / {default['recall']:.3f}",
        "funding right": f"{payers['funding_right']}/{payers['funded_customers']}",
        "wrong exchange": str(payers["wrong_exchange_named"]),
    }  # fmt: skip


def compare(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Before → after, per family and split, for each target of issue 12."""
    keys = ["precision", "false merges", "collaborative caught", "recall (multi-input / default)", "funding right",
            "wrong exchange"]  # fmt: skip
    lines = [f"Before: commit {before['code']} ({before['date']}); after: commit {after['code']} ({after['date']}). "
             "Default heuristics unless said; each cell is before → after. *Collaborative caught*: CoinJoins and "
             "PayJoins flagged (as a CoinJoin or as possibly collaborative: never merged through either way).", "",
             "| family | seeds | " + " | ".join(keys) + " |", "|---|---|" + "---|" * len(keys)]  # fmt: skip
    grouped: dict[tuple[str, str], list[list[dict[str, Any]]]] = defaultdict(lambda: [[], []])
    for side, measured in enumerate((before, after)):
        for row in measured["rows"]:
            grouped[(row["family"], row["split"])][side].append(row)
    for (family, split), (old, new) in grouped.items():
        if not old or not new:
            continue
        a, b = _target_cells(old), _target_cells(new)
        seeds = ", ".join(str(r["seed"]) for r in new)
        lines.append(f"| {family} | {split} ({seeds}) | " + " | ".join(f"{a[k]} → {b[k]}" for k in keys) + " |")
    return "\n".join(lines) + "\n"


def people(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """The "wallets are not people" figure: payer groups `payers` lists per person who paid the site."""
    ratio, groups, persons = wallets_per_person(after["rows"])
    wallets = sum(r["payers"]["paying_wallets"] for r in after["rows"])
    lines = [f"**{ratio:.1f} payer groups per paying person**: on the {len(after['rows'])} scenarios above (commit "
             f"{after['code']}, default clustering), `payers` listed {groups} payer groups for the {persons} people "
             f"who paid the site; those people paid from {wallets} wallets of their own ({wallets / persons:.2f} "
             "wallets per person: in every family but project-economy, 3 of the 10 customers keep a second "
             "wallet)."]  # fmt: skip
    if before:
        old, old_groups, old_people = wallets_per_person(before["rows"])
        lines.append(f"Before issue 12's detection (commit {before['code']}) it was {old:.2f} ({old_groups} groups "
                     f"for {old_people} people): CoinJoins no longer merge strangers, so people split into more "
                     "groups.")  # fmt: skip
    return "\n\n".join(lines) + "\n"
