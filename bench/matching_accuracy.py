"""Flow matching accuracy on the labelled intakes (bench/data/matching_intakes.jsonl).

    .venv/bin/python bench/matching_accuracy.py          # report both halves with the shipped calibration
    .venv/bin/python bench/matching_accuracy.py --fit    # fit the calibration on the tuning half only

The starter library is imported into a fresh bench account, each intake goes through `match_details`, and
we report per split: top-1 and top-3 accuracy on covered intakes, how many covered intakes reach `guided`
(and how many of those are wrong), and where the "should match nothing" intakes land (unrelated ones must
never reach guided; uncovered real MSP problems should stay in discovery). The frozen half is never used
for fitting.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup_django import setup

DATA = Path(__file__).resolve().parent / "data" / "matching_intakes.jsonl"


def load_intakes():
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def fresh_account():
    from knowledge.starter import import_starter_library
    from resolutionflow.models import Account

    Account.objects.filter(slug="bench-matching").delete()
    account = Account.objects.create(name="Bench Matching", slug="bench-matching")
    import_starter_library(account)
    return account


def collect(account, intakes):
    """Per intake: every candidate's features and whether it is the expected flow."""
    from knowledge import matching

    rows = []
    for intake in intakes:
        details = matching.match_details(account, intake["text"], limit=matching.CANDIDATES)
        rows.append((intake, [(m.tree.slug, m.features) for m in details]))
    return rows


def fit(rows, ranking, nothing_weight=1.0, epochs=4000, rate=0.5, l2=0.001):
    """Logistic regression (numpy, full batch): is the best-ranked candidate the expected flow?

    One sample per intake: the features of its top candidate under `ranking` (a calibration), labelled
    1 when it is the expected flow (never for intakes that should match nothing). The fitted score is
    then the probability that the top match is right, which is what the tier thresholds mean.
    `nothing_weight` counts each "should match nothing" intake that many times: a wrong guided or
    exploring answer to a problem no flow covers costs an engineer more than a cautious tier.
    """
    import numpy as np

    x, y, weight = [], [], []
    for intake, candidates in rows:
        if not candidates:
            continue
        slug, f = max(candidates, key=lambda c: ranking.score(c[1]))
        x.append([1.0, f.cosine, f.lead, f.lexical, f.keyword_hits])
        y.append(1.0 if slug == intake["expected"] else 0.0)
        weight.append(nothing_weight if intake["expected"] is None else 1.0)
    x, y, weight = np.array(x), np.array(y), np.array(weight)
    weights = np.zeros(x.shape[1])
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-x @ weights))
        gradient = x.T @ ((p - y) * weight) / weight.sum() + l2 * np.r_[0, weights[1:]]
        weights -= rate * gradient * 10
    return weights


def report(rows, calibration, label):
    from knowledge.matching import confidence_tier

    covered = [(i, c) for i, c in rows if i["kind"] == "covered"]
    top1 = top3 = guided = guided_wrong = 0
    tiers_by_kind = {"unrelated": Counter(), "uncovered": Counter(), "covered": Counter()}
    for intake, candidates in rows:
        ranked = sorted(((calibration.score(f), slug) for slug, f in candidates), reverse=True)
        best_score = ranked[0][0] if ranked else None
        tier = confidence_tier(best_score)
        tiers_by_kind[intake["kind"]][tier] += 1
        if intake["kind"] != "covered":
            continue
        slugs = [slug for _, slug in ranked]
        top1 += bool(slugs[:1] == [intake["expected"]])
        top3 += intake["expected"] in slugs[:3]
        if tier == "guided":
            guided += 1
            guided_wrong += slugs[0] != intake["expected"]
    n = len(covered)
    print(f"\n== {label} ({len(rows)} intakes, {n} covered)")
    print(f"top-1 {top1 / n:6.1%}   top-3 {top3 / n:6.1%}   guided {guided}/{n} (wrong flow in guided: {guided_wrong})")
    for kind in ("unrelated", "uncovered", "covered"):
        counts = tiers_by_kind[kind]
        total = sum(counts.values())
        print(
            f"{kind:9}  guided {counts['guided']:3}   exploring {counts['exploring']:3}   "
            f"discovery {counts['discovery']:3}   (of {total})"
        )
    return {
        "top1": top1 / n,
        "top3": top3 / n,
        "nothing_guided": tiers_by_kind["unrelated"]["guided"] + tiers_by_kind["uncovered"]["guided"],
        "uncovered_discovery": tiers_by_kind["uncovered"]["discovery"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", action="store_true", help="fit the calibration on the tuning split and use it")
    parser.add_argument("--nothing-weight", type=float, default=3.0, help="weight of should-match-nothing intakes")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    setup()
    from knowledge.matching import DEFAULT_CALIBRATION, Calibration

    account = fresh_account()
    intakes = load_intakes()
    rows = collect(account, intakes)
    calibration = DEFAULT_CALIBRATION
    if args.fit:
        tuning = [r for r in rows if r[0]["split"] == "tuning"]
        w = fit(tuning, DEFAULT_CALIBRATION, nothing_weight=args.nothing_weight)
        calibration = Calibration(*[round(float(v), 2) for v in w])
        print(f"fitted on the tuning split: {calibration}")
    print(f"calibration: {calibration}")
    results = {}
    for split in ("tuning", "frozen"):
        results[split] = report([r for r in rows if r[0]["split"] == split], calibration, f"{split} split")
    results["all"] = report(rows, calibration, "both splits")
    if args.verbose:
        print("\nmisses and false guided:")
        for intake, candidates in rows:
            ranked = sorted(((calibration.score(f), slug, f) for slug, f in candidates), reverse=True)
            best = ranked[0] if ranked else (0, None, None)
            wrong = intake["kind"] == "covered" and best[1] != intake["expected"]
            false_hit = intake["kind"] != "covered" and best[0] >= 0.5
            if wrong or false_hit:
                expected_rank = next((i for i, r in enumerate(ranked) if r[1] == intake["expected"]), None)
                print(
                    f"  [{intake['split'][0]}] {intake['text'][:70]!r}: got {best[1]} {best[0]:.2f} "
                    f"expected {intake['expected']} (rank {expected_rank})"
                )
    overall = results["all"]
    print(f"RESULT matching_top1 share={overall['top1']:.3f} target=>=0.75")
    print(f"RESULT matching_top3 share={overall['top3']:.3f} target=>=0.90")
    print(f"RESULT matching_nothing_intakes_in_guided count={overall['nothing_guided']} target=<=0")
    print(f"RESULT matching_uncovered_in_discovery count={overall['uncovered_discovery']} target=>=10")
    ok = (
        results["all"]["top3"] >= 0.90
        and results["all"]["top1"] >= 0.75
        and results["all"]["nothing_guided"] == 0
        and results["all"]["uncovered_discovery"] >= 10
    )
    print(
        "\ntargets (top-3 ≥ 90 %, top-1 ≥ 75 %, no 'match nothing' intake in guided, ≥ 10 uncovered in discovery):",
        "met" if ok else "NOT met",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
