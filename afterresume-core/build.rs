//! Seeds the skill taxonomy's programming languages from GitHub Linguist's data
//! (the MIT-licensed `github-languages` crate) at build time.
//!
//! Writes `$OUT_DIR/linguist.txt` in the `slug|Name|category|aliases` format of
//! `src/taxonomy/curated.txt`. Linguist names many languages after everyday words
//! ("Red", "Ring", "Just"), so the rules here decide how each name may match:
//! - names that are also common engineering words are left out entirely
//!   (they would turn "added an RPC endpoint" into a language);
//! - one- and two-letter names are left out (the curated list covers C and R);
//! - a plain single word ("Crystal", "Gleam") needs exact case and a technical
//!   context (`?` prefix);
//! - anything else (acronyms, CamelCase, names with digits, symbols or spaces)
//!   needs exact case (`=` prefix).
//!
//! Linguist aliases are kept only when they cannot be everyday words: with a
//! digit, `-` or space, or at least seven letters.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Linguist language names that are ordinary words in worklogs.
const LEFT_OUT: &[&str] = &[
    "Alloy",
    "Arc",
    "Beef",
    "Berry",
    "Click",
    "Clean",
    "Cool",
    "Dune",
    "Earthly",
    "Factor",
    "Fancy",
    "Fluent",
    "FLUX",
    "GAP",
    "Genie",
    "Glyph",
    "Grace",
    "Hack",
    "HIP",
    "Ink",
    "Just",
    "Lean",
    "Leo",
    "Logos",
    "Max",
    "Mercury",
    "Metal",
    "Mint",
    "Monkey",
    "Move",
    "Noir",
    "Opal",
    "Pact",
    "Pan",
    "Parrot",
    "Polar",
    "Processing",
    "Procfile",
    "Puppet",
    "Quake",
    "Red",
    "Ring",
    "Roc",
    "Rouge",
    "RPC",
    "Sage",
    "Sail",
    "Salt",
    "Scenic",
    "Self",
    "Shell",
    "SIP",
    "Slash",
    "Slice",
    "SMT",
    "Smarty",
    "Stan",
    "Sway",
    "Tact",
    "Talon",
    "Tape",
    "Teal",
    "Terra",
    "TLA",
    "Turing",
    "Uno",
    "Verse",
    "Volt",
    "Wren",
    "Dockerfile",
    "Makefile",
    "CMake",
    "Nasal",
    "Mirah",
    "Golo",
    "Pike",
    "Pony",
    "Ox",
    "Oz",
    "Io",
    "Nu",
    "NumPy",
    "Python console",
    "ShellSession",
    "Julia REPL",
    "Elvish Transcript",
    "Gentoo Ebuild",
    "Gentoo Eclass",
    "Linker Script",
    "Linear Programming",
    "Answer Set Programming",
    "Power Query",
    "Polar",
    "Singularity",
    "Meson",
    "Sieve",
    "Filterscript",
    "Ragel",
    "Rez",
    "Toit",
    "Tolk",
    "Jac",
    "Quint",
    "Wisp",
    "wisp",
    "fish",
    "sed",
    "q",
    "ucode",
    "Xmake",
    "Apollo Guidance Computer",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut out = String::from("# Generated from GitHub Linguist by build.rs; do not edit.\n");
    let languages = github_languages::get_languages();
    for language in languages.all_languages() {
        if language.r#type != "programming"
            || LEFT_OUT.contains(&language.name)
            || language.name.chars().count() <= 2
        {
            continue;
        }
        let slug = slug_of(language.name);
        if slug.is_empty() {
            continue;
        }
        let name_rule = if is_plain_word(language.name) {
            "?"
        } else {
            "="
        };
        let mut aliases = vec![format!("{name_rule}{}", language.name)];
        aliases.extend(
            language
                .aliases
                .iter()
                .filter(|a| is_distinctive_alias(a) && !a.eq_ignore_ascii_case(language.name))
                .map(|a| a.to_string()),
        );
        let name = language.name.replace(['|', ','], " ");
        writeln!(out, "{slug}|{name}|language|{}", aliases.join(",")).expect("write to string");
    }
    let path =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("linguist.txt");
    std::fs::write(path, out).expect("write linguist.txt");
}

/// "C++" -> "cpp", "C#" -> "csharp", "Emacs Lisp" -> "emacs-lisp".
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        match c {
            'a'..='z' | '0'..='9' => slug.push(c),
            'A'..='Z' => slug.push(c.to_ascii_lowercase()),
            '+' => slug.push('p'),
            '#' => slug.push_str("sharp"),
            _ if !slug.ends_with('-') && !slug.is_empty() => slug.push('-'),
            _ => {}
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// One word of letters, capitalized or lowercase only: it may be an English word.
fn is_plain_word(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    first_ok && chars.all(|c| c.is_ascii_lowercase())
}

fn is_distinctive_alias(alias: &str) -> bool {
    let marked = alias
        .chars()
        .any(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    let long = alias.chars().count() >= 7;
    !alias.contains([',', '|', '+']) && (marked || long) && alias.chars().count() >= 3
}
