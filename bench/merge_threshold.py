"""Is 0.85 the right merge threshold for proposals (cosine of title + description) with this model?

    .venv/bin/python bench/merge_threshold.py

Proposal texts are built the way the flywheel builds them (title = the intake's first clause, description =
the intake and the resolution) for groups of sessions about one problem: near-identical repeats (the same
problem, other users and tickets) and paraphrases (the same problem in other words), and for different
problems of the same domain. A threshold must merge repeats (and ideally paraphrases) and never merge
different problems. The script reports each kind's similarity range and the errors at each threshold.
"""

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (problem, resolution, [near-identical repeats], [paraphrases])
GROUPS = [
    (
        "Plotter in the drawing office prints blank pages",
        "Replaced the printhead",
        ["Plotter in the drawing office prints blank pages again", "Plotter in drawing office printing blank pages"],
        [
            "The large-format printer outputs empty sheets",
            "DesignJet in the design studio feeds paper but prints nothing",
        ],
    ),
    (
        "Yealink desk phone has one-way audio on external calls",
        "Disabled SIP ALG on the router",
        ["Yealink desk phone one-way audio on outside calls", "Yealink phone has one way audio on external calls"],
        ["Callers can't hear reception when they ring from outside", "VoIP handset: we hear them, they can't hear us"],
    ),
    (
        "Intune enrollment fails on the new laptop with error 0x80180014",
        "Deleted the stale Autopilot record",
        ["Intune enrolment fails on new laptop, error 0x80180014", "New laptop won't enroll in Intune 0x80180014"],
        ["Autopilot setup stops with 'device not allowed to enroll'", "Laptop out of the box can't join company MDM"],
    ),
    (
        "Entra Connect stopped syncing new users to Microsoft 365",
        "Re-enabled the sync scheduler",
        ["Entra Connect not syncing new users to Microsoft 365", "New AD users not syncing to 365 via Entra Connect"],
        ["Starters created in AD don't show up in Office 365", "Azure AD Connect delta sync hasn't run since Friday"],
    ),
    (
        "UPS in the comms cabinet keeps beeping",
        "Replaced the UPS battery",
        ["UPS in the comms room keeps beeping", "The UPS in the cabinet is beeping constantly"],
        ["Loud alarm from the battery backup under the server rack", "Power backup unit chirping every few seconds"],
    ),
    (
        "BitLocker recovery key prompt after a BIOS update",
        "Suspended BitLocker before flashing",
        ["BitLocker asks for the recovery key after a BIOS update", "Bitlocker recovery screen after BIOS update"],
        ["Laptop wants a 48-digit key at boot after firmware update", "Encryption recovery prompt after Dell update"],
    ),
]


def text(problem: str, resolution: str) -> str:
    return f"{problem}. {problem}\n\nResolved: {resolution}"


def main() -> int:
    from bench.setup_django import setup

    setup("resolutionflow_bench_merge")
    from knowledge.flywheel.proposals import merge_threshold
    from resolutionflow.ai.embeddings import get_embedder

    embedder = get_embedder()
    pairs = {"repeat": [], "paraphrase": [], "different": []}
    anchors = []
    for problem, resolution, repeats, paraphrases in GROUPS:
        anchor = np.array(embedder.embed_one(text(problem, resolution), "document"))
        anchors.append(anchor)
        for kind, variants in (("repeat", repeats), ("paraphrase", paraphrases)):
            for variant in variants:
                vector = np.array(embedder.embed_one(text(variant, resolution), "document"))
                pairs[kind].append(float(anchor @ vector))
    for a, b in itertools.combinations(anchors, 2):
        pairs["different"].append(float(a @ b))
    threshold = merge_threshold(embedder.model_name)
    print(f"model {embedder.model_name}, configured threshold {threshold}")
    for kind, values in pairs.items():
        print(
            f"  {kind:10} n={len(values):2}  min {min(values):.3f}  "
            f"median {np.median(values):.3f}  max {max(values):.3f}"
        )
    print("threshold  repeats merged  paraphrases merged  different merged (must be 0)")
    for t in (0.70, 0.75, 0.80, 0.85, 0.90):
        merged = {k: sum(v > t for v in values) for k, values in pairs.items()}
        print(
            f"  {t:.2f}      {merged['repeat']:2}/{len(pairs['repeat'])}            "
            f"{merged['paraphrase']:2}/{len(pairs['paraphrase'])}                {merged['different']}"
        )
    repeats_merged = sum(v > threshold for v in pairs["repeat"]) / len(pairs["repeat"])
    different_merged = sum(v > threshold for v in pairs["different"])
    print(f"RESULT merge_repeats_merged share={repeats_merged:.2f} target=>=1")
    print(f"RESULT merge_different_problems_merged count={different_merged} target=<=0")
    ok = all(v > threshold for v in pairs["repeat"]) and not any(v > threshold for v in pairs["different"])
    print("configured threshold merges every repeat and no different problem:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
