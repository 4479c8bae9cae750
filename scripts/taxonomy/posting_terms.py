#!/usr/bin/env python3
"""Learns the knowledge terms of job postings from SkillSpan TECH's training split.

    scripts/taxonomy/posting_terms.py            # rewrite afterresume-core/src/taxonomy/posting_terms.txt
    scripts/taxonomy/posting_terms.py --check    # exit 1 if the checked-in file differs

Job postings ask for more than named technologies: "cloud", "computer science", "financial
services", "automated testing". The taxonomy does not track those as skills (a worklog that
says "testing" shows no skill), but a reader of a posting should see them. This script counts,
in `eval/skillspan/skillspan_tech_train.jsonl` only (the dev split measures the result, the
test split is not in the repository), every phrase some annotator marked as KNOWLEDGE: how
often the phrase occurs in the split and how often an occurrence lies inside a knowledge span.
A phrase is kept when annotators marked it often enough to be worth predicting:

- at least MULTI_WORD_SHARE of its occurrences for phrases of two or more words;
- at least SINGLE_WORD_SHARE for single words, which are more often plain English;
- never stop words alone, PII placeholders (`<ORGANIZATION>`), abbreviations such as "e.g.",
  or phrases that begin or end with punctuation.

SkillSpan is by Zhang, Jensen, Sonniks and Plank (NAACL 2022), annotations CC BY 4.0; the
output's header repeats the attribution.
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "eval/skillspan/skillspan_tech_train.jsonl"
OUTPUT = ROOT / "afterresume-core/src/taxonomy/posting_terms.txt"

MULTI_WORD_SHARE = 0.5
SINGLE_WORD_SHARE = 0.6
STOP_WORDS = {"a", "an", "and", "as", "for", "in", "of", "on", "or", "the", "to", "with"}
ABBREVIATIONS = {"e.g", "e.g.", "i.e", "i.e.", "etc", "etc.", "eg", "ie"}


def tokens(text):
    """(start, end, lowercased token) for each space-separated token."""
    return [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"\S+", text)]


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def is_word(token):
    return re.search(r"[^\W_]", token) is not None


def acceptable(phrase):
    if any("<" in t or ">" in t or "|" in t for t in phrase):
        return False
    if not is_word(phrase[0]) or not is_word(phrase[-1]):
        return False
    if re.search(r"[;:,)(\[\]]$", phrase[-1]) or re.match(r"[(\[]", phrase[0]):
        return False
    if all(t in STOP_WORDS for t in phrase) or phrase[0] in STOP_WORDS or phrase[-1] in STOP_WORDS:
        return False
    if len(phrase) == 1 and (phrase[0] in ABBREVIATIONS or len(phrase[0]) < 2):
        return False
    return True


def learn(sentences):
    phrases = set()
    for s in sentences:
        for _, _, surface in s["knowledge_spans"]:
            phrase = tuple(surface.lower().split())
            if phrase and acceptable(phrase):
                phrases.add(phrase)
    longest = max(len(p) for p in phrases)
    seen, annotated = Counter(), Counter()
    for s in sentences:
        knowledge = [(a, b) for a, b, _ in s["knowledge_spans"]]
        toks = tokens(s["text"])
        for i in range(len(toks)):
            for n in range(1, min(longest, len(toks) - i) + 1):
                phrase = tuple(t for _, _, t in toks[i:i + n])
                if phrase not in phrases:
                    continue
                seen[phrase] += 1
                span = (toks[i][0], toks[i + n - 1][1])
                if any(overlaps(span, k) for k in knowledge):
                    annotated[phrase] += 1
    kept = []
    for phrase in phrases:
        share = annotated[phrase] / seen[phrase]
        floor = SINGLE_WORD_SHARE if len(phrase) == 1 else MULTI_WORD_SHARE
        if share >= floor:
            kept.append((" ".join(phrase), seen[phrase], annotated[phrase]))
    return sorted(kept)


def render(kept, sentence_count):
    header = [
        "# Knowledge terms of job postings, learned by scripts/taxonomy/posting_terms.py; do not edit.",
        "# Source: SkillSpan TECH train split (eval/skillspan/skillspan_tech_train.jsonl), Zhang, Jensen,",
        "# Sonniks, Plank, NAACL 2022, https://aclanthology.org/2022.naacl-main.366; annotations CC BY 4.0.",
        f"# {sentence_count} sentences; a phrase is kept when at least {MULTI_WORD_SHARE:.0%} of its",
        f"# occurrences (single words: {SINGLE_WORD_SHARE:.0%}) lie inside a KNOWLEDGE span; {len(kept)} terms.",
        "# term|occurrences|inside a knowledge span",
    ]
    return "\n".join(header + [f"{t}|{n}|{k}" for t, n, k in kept]) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the checked-in file instead of writing it")
    args = parser.parse_args()
    sentences = [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    text = render(learn(sentences), len(sentences))
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(ROOT)} differs from what the script makes; rerun "
                  "scripts/taxonomy/posting_terms.py", file=sys.stderr)
            sys.exit(1)
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
