//! The skill taxonomy: canonical skills, their aliases (with where each came from)
//! and the matcher that finds them in worklog text.
//!
//! The built-in taxonomy is versioned ([`BUILTIN_VERSION`]) and ships in the crate:
//! `curated.txt` (hand-curated technologies, the closed list of engineering practices
//! and the mainstream languages, with case and context rules) plus `generated.txt`,
//! written by `scripts/taxonomy/generate.py` from pinned, licensed packages (GitHub
//! Linguist, Devicon, Simple Icons, Iconify logos, npm's high-impact packages, PyPI's
//! framework classifiers, ESCO); its header lists sources, licenses and counts, and
//! curated entries win on conflicts. Applications and users add skills and aliases at runtime with
//! [`Taxonomy::add_skill`] and [`Taxonomy::add_alias`]; build a new
//! [`SkillMatcher`] afterwards.

mod matcher;
mod posting;
mod practice_cues;
mod practice_tools;

pub use matcher::{SkillMatch, SkillMatcher};
pub use posting::{NamedSkill, PostingMention, PostingReader};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::domain::SkillCategory;
use crate::{Error, Result};

/// Version of the built-in taxonomy; bump it whenever `curated.txt` changes.
pub const BUILTIN_VERSION: &str = "2026.12.4";

const CURATED: &str = include_str!("curated.txt");
const GENERATED: &str = include_str!("generated.txt");

/// How strictly an alias must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasRule {
    /// Any letter case ("postgres", "Postgres", "POSTGRES").
    AnyCase,
    /// Exactly this case ("PG", "iOS").
    ExactCase,
    /// Exactly this case, and only in a technical context: the alias is also an
    /// everyday word or letter ("Go", "Rust", "Spring", "C", "R").
    NeedsContext,
}

/// Where an alias came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// The curated list shipped with the crate.
    Curated,
    /// Seeded from published packages by `scripts/taxonomy/generate.py`; names the
    /// sources ("simple-icons+devicon").
    Seeded {
        /// The sources, joined by `+`.
        sources: String,
    },
    /// Added at runtime by an application or user.
    Added {
        /// Who or what added it.
        by: String,
    },
}

/// One spelling of a canonical skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// The text as written.
    pub text: String,
    /// How it must match.
    pub rule: AliasRule,
    /// Where it came from.
    pub provenance: Provenance,
}

/// A canonical skill of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalSkill {
    /// Unique slug ("postgresql").
    pub slug: String,
    /// Canonical name ("PostgreSQL").
    pub name: String,
    /// Category.
    pub category: SkillCategory,
    /// Every spelling, the name included.
    pub aliases: Vec<Alias>,
}

/// Canonical skills by slug, with their aliases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    version: String,
    skills: Vec<CanonicalSkill>,
    by_slug: HashMap<String, usize>,
}

impl Taxonomy {
    /// The built-in taxonomy: the curated list, then the generated skills that it
    /// does not already cover.
    pub fn builtin() -> Taxonomy {
        let mut taxonomy = Taxonomy::parse(CURATED, BUILTIN_VERSION)
            .expect("the built-in taxonomy is checked by tests");
        let seeded = Taxonomy::parse(GENERATED, "generated")
            .expect("the generated list is checked by tests");
        taxonomy.merge_seed(seeded);
        taxonomy
    }

    /// How many skills each source contributed to ("curated", "added", or a seeded
    /// source such as "simple-icons"), by the provenance of each skill's first alias;
    /// a skill that several packages name counts for each of them.
    pub fn counts_by_source(&self) -> std::collections::BTreeMap<String, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for skill in &self.skills {
            let sources: Vec<&str> = match skill.aliases.first().map(|a| &a.provenance) {
                Some(Provenance::Seeded { sources }) => sources.split('+').collect(),
                Some(Provenance::Added { .. }) => vec!["added"],
                _ => vec!["curated"],
            };
            for source in sources {
                *counts.entry(source.to_owned()).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Adds the skills of a seed list (the generated one) that the taxonomy lacks. A seed
    /// skill whose slug exists only lends the aliases that nothing else uses; a seed
    /// skill whose name is already some skill's alias is dropped.
    fn merge_seed(&mut self, seed: Taxonomy) {
        let mut taken: std::collections::HashSet<String> = self
            .skills
            .iter()
            .flat_map(|s| s.aliases.iter().map(|a| a.text.to_lowercase()))
            .collect();
        for skill in seed.skills {
            let fresh: Vec<Alias> = skill
                .aliases
                .into_iter()
                .filter(|a| taken.insert(a.text.to_lowercase()))
                .collect();
            match self.by_slug.get(&skill.slug) {
                Some(&i) => self.skills[i]
                    .aliases
                    .extend(fresh.into_iter().filter(|a| a.text != skill.name)),
                None if fresh.iter().any(|a| a.text == skill.name) => {
                    self.by_slug.insert(skill.slug.clone(), self.skills.len());
                    self.skills.push(CanonicalSkill {
                        aliases: fresh,
                        ..skill
                    });
                }
                None => {}
            }
        }
    }

    /// Parses the `slug|Name|category|alias,alias[|sources]` format of `curated.txt`
    /// and `generated.txt` (a line with sources is [`Provenance::Seeded`], one
    /// without is [`Provenance::Curated`]); errors name the line.
    pub fn parse(text: &str, version: &str) -> Result<Taxonomy> {
        let mut taxonomy = Taxonomy {
            version: version.to_owned(),
            skills: Vec::new(),
            by_slug: HashMap::new(),
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('|').collect();
            let (slug, name, category, aliases, provenance) = match fields[..] {
                [slug, name, category, aliases] => {
                    (slug, name, category, aliases, Provenance::Curated)
                }
                [slug, name, category, aliases, sources] if !sources.is_empty() => (
                    slug,
                    name,
                    category,
                    aliases,
                    Provenance::Seeded {
                        sources: sources.to_owned(),
                    },
                ),
                _ => {
                    return Err(Error::invalid_input(format!(
                        "taxonomy line {}: expected slug|Name|category|aliases[|sources]",
                        n + 1
                    )));
                }
            };
            let category: SkillCategory = category
                .parse()
                .map_err(|e: Error| e.with_context("taxonomy line", n + 1))?;
            let aliases = aliases
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| parse_alias(a, provenance.clone()))
                .collect();
            taxonomy
                .insert(slug, name, category, aliases)
                .map_err(|e| e.with_context("taxonomy line", n + 1))?;
        }
        Ok(taxonomy)
    }

    /// The version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Every canonical skill, in definition order.
    pub fn skills(&self) -> &[CanonicalSkill] {
        &self.skills
    }

    /// One skill by slug.
    pub fn get(&self, slug: &str) -> Option<&CanonicalSkill> {
        self.by_slug.get(slug).map(|&i| &self.skills[i])
    }

    /// Adds a canonical skill (the name becomes an any-case alias unless an alias
    /// spells it with a rule). A slug that exists is [`ErrorKind::AlreadyExists`](crate::ErrorKind::AlreadyExists).
    pub fn add_skill(
        &mut self,
        slug: &str,
        name: &str,
        category: SkillCategory,
        aliases: &[&str],
        by: &str,
    ) -> Result<()> {
        let aliases = aliases
            .iter()
            .map(|a| parse_alias(a, Provenance::Added { by: by.to_owned() }))
            .collect();
        self.insert(slug, name, category, aliases)?;
        self.version = format!("{}+local", self.version.trim_end_matches("+local"));
        Ok(())
    }

    /// Adds an alias (`=Text` exact case, `?Text` needs context) to a skill.
    pub fn add_alias(&mut self, slug: &str, alias: &str, by: &str) -> Result<()> {
        let Some(&i) = self.by_slug.get(slug) else {
            return Err(Error::not_found(format!(
                "skill '{slug}' not in the taxonomy"
            )));
        };
        let alias = parse_alias(alias, Provenance::Added { by: by.to_owned() });
        if alias.text.trim().is_empty() {
            return Err(Error::invalid_input("alias: must not be empty"));
        }
        self.skills[i].aliases.push(alias);
        self.version = format!("{}+local", self.version.trim_end_matches("+local"));
        Ok(())
    }

    fn insert(
        &mut self,
        slug: &str,
        name: &str,
        category: SkillCategory,
        mut aliases: Vec<Alias>,
    ) -> Result<()> {
        let valid_slug = !slug.is_empty()
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_slug {
            return Err(Error::invalid_input(format!(
                "slug '{slug}': use lowercase letters, digits and '-'"
            )));
        }
        if name.trim().is_empty() {
            return Err(Error::invalid_input(format!(
                "skill '{slug}': name is empty"
            )));
        }
        if self.by_slug.contains_key(slug) {
            return Err(Error::already_exists(format!(
                "skill '{slug}' already exists"
            )));
        }
        if !aliases.iter().any(|a| a.text.eq_ignore_ascii_case(name)) {
            let provenance = aliases
                .first()
                .map(|a| a.provenance.clone())
                .unwrap_or(Provenance::Curated);
            aliases.insert(
                0,
                Alias {
                    text: name.to_owned(),
                    rule: AliasRule::AnyCase,
                    provenance,
                },
            );
        }
        self.by_slug.insert(slug.to_owned(), self.skills.len());
        self.skills.push(CanonicalSkill {
            slug: slug.to_owned(),
            name: name.to_owned(),
            category,
            aliases,
        });
        Ok(())
    }
}

/// A taxonomy with its compiled matcher.
#[derive(Debug)]
pub struct CompiledTaxonomy {
    /// The taxonomy.
    pub taxonomy: Taxonomy,
    /// Its matcher.
    pub matcher: SkillMatcher,
}

/// The taxonomy that a running engine uses, shared by its agents. Runtime additions
/// compile a new matcher and swap it in; agents that already hold the old one finish
/// with it.
#[derive(Debug, Clone)]
pub struct SharedTaxonomy {
    current: Arc<RwLock<Arc<CompiledTaxonomy>>>,
}

impl SharedTaxonomy {
    /// Shares a taxonomy.
    pub fn new(taxonomy: Taxonomy) -> Self {
        let matcher = SkillMatcher::new(&taxonomy);
        SharedTaxonomy {
            current: Arc::new(RwLock::new(Arc::new(CompiledTaxonomy {
                taxonomy,
                matcher,
            }))),
        }
    }

    /// The built-in taxonomy, shared.
    pub fn builtin() -> Self {
        SharedTaxonomy::new(Taxonomy::builtin())
    }

    /// The current taxonomy and matcher.
    pub fn current(&self) -> Arc<CompiledTaxonomy> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Changes the taxonomy (e.g. `|t| t.add_alias("kubernetes", "kube", "alice")`);
    /// on error nothing changes.
    pub fn update(&self, change: impl FnOnce(&mut Taxonomy) -> Result<()>) -> Result<()> {
        let mut taxonomy = self.current().taxonomy.clone();
        change(&mut taxonomy)?;
        let matcher = SkillMatcher::new(&taxonomy);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Arc::new(CompiledTaxonomy { taxonomy, matcher });
        Ok(())
    }
}

fn parse_alias(raw: &str, provenance: Provenance) -> Alias {
    let (rule, text) = match raw.as_bytes().first() {
        Some(b'=') => (AliasRule::ExactCase, &raw[1..]),
        Some(b'?') => (AliasRule::NeedsContext, &raw[1..]),
        _ => (AliasRule::AnyCase, raw),
    };
    Alias {
        text: text.to_owned(),
        rule,
        provenance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_taxonomy_parses_and_is_large() {
        let t = Taxonomy::builtin();
        assert!(t.skills().len() >= 300, "{}", t.skills().len());
        let pg = t.get("postgresql").unwrap();
        assert_eq!(pg.name, "PostgreSQL");
        assert!(pg.aliases.iter().any(|a| a.text == "postgres"));
        assert_eq!(
            t.get("go").unwrap().aliases[0].rule,
            AliasRule::NeedsContext
        );
        assert_eq!(t.version(), BUILTIN_VERSION);
    }

    #[test]
    fn the_generated_skills_are_seeded_and_curation_wins() {
        let t = Taxonomy::builtin();
        assert!(t.skills().len() >= 5_000, "{}", t.skills().len());
        let counts = t.counts_by_source();
        for source in [
            "curated",
            "linguist",
            "simple-icons",
            "devicon",
            "npm-high-impact",
        ] {
            assert!(counts.get(source).copied().unwrap_or(0) >= 50, "{counts:?}");
        }
        assert!(!counts.contains_key("added"));
        for slug in [
            "gleam",
            "crystal",
            "coffeescript",
            "haxe",
            "nim",
            "purescript",
        ] {
            let skill = t.get(slug).unwrap_or_else(|| panic!("{slug} missing"));
            assert_eq!(skill.category, SkillCategory::Language);
            assert!(
                matches!(&skill.aliases[0].provenance, Provenance::Seeded { sources } if sources.contains("linguist")),
                "{slug}"
            );
        }
        // Curated Go keeps its context rule; no seed takes "golang" from it.
        let go = t.get("go").unwrap();
        assert_eq!(go.aliases[0].provenance, Provenance::Curated);
        assert_eq!(go.aliases[0].rule, AliasRule::NeedsContext);
        // Names that are everyday engineering words are not seeded.
        assert!(t.get("rpc").is_none() && t.get("just").is_none());
    }

    /// The families issue 27 found missing: embedded toolchains and buses,
    /// imaging and OCR libraries, mobile SDKs, scanners, profilers.
    #[test]
    fn the_curated_overlay_covers_the_missing_families() {
        let t = Taxonomy::builtin();
        let matcher = SkillMatcher::new(&t);
        let text = "Flashed it over CMSIS-DAP, read SEGGER RTT, published on MQTT topics; \
                    OCR with EasyOCR and PaddleOCR, pages from pdfplumber and Amazon Textract; \
                    OkHttp and Retrofit calls with Dagger Hilt; gosec and axe-core in CI; \
                    profiled with JProfiler, VisualVM, dotTrace, Pyroscope and Massif.";
        let found: Vec<String> = matcher.find(text).into_iter().map(|m| m.slug).collect();
        for slug in [
            "cmsis",
            "segger-rtt",
            "mqtt",
            "easyocr",
            "paddleocr",
            "pdfplumber",
            "aws-textract",
            "okhttp",
            "retrofit",
            "hilt",
            "gosec",
            "axe-core",
            "jprofiler",
            "visualvm",
            "dottrace",
            "pyroscope",
            "massif",
        ] {
            assert!(found.iter().any(|s| s == slug), "{slug} not in {found:?}");
        }
        assert!(
            !found.iter().any(|s| s == "iot"),
            "MQTT is a protocol, not IoT"
        );
    }

    #[test]
    fn no_alias_belongs_to_two_skills() {
        let t = Taxonomy::builtin();
        let mut seen = HashMap::new();
        for skill in t.skills() {
            for alias in &skill.aliases {
                let key = (alias.text.to_lowercase(), alias.rule == AliasRule::AnyCase);
                if let Some(other) = seen.insert(key, skill.slug.clone()) {
                    assert_eq!(other, skill.slug, "alias '{}' is shared", alias.text);
                }
            }
        }
    }

    #[test]
    fn runtime_additions_are_checked_and_versioned() {
        let mut t = Taxonomy::builtin();
        t.add_skill(
            "datastar",
            "Datastar",
            SkillCategory::Library,
            &["data-star"],
            "alice",
        )
        .unwrap();
        assert!(t.version().ends_with("+local"));
        let err = t
            .add_skill("datastar", "Datastar", SkillCategory::Library, &[], "alice")
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::AlreadyExists);
        assert!(
            t.add_skill("Bad Slug", "x", SkillCategory::Tool, &[], "a")
                .is_err()
        );
        t.add_alias("kubernetes", "kates", "bob").unwrap();
        assert!(t.add_alias("nope", "x", "bob").is_err());
        let added = t.get("kubernetes").unwrap().aliases.last().unwrap().clone();
        assert_eq!(added.provenance, Provenance::Added { by: "bob".into() });
    }

    #[test]
    fn shared_taxonomy_swaps_in_runtime_additions() {
        let shared = SharedTaxonomy::builtin();
        let before = shared.current();
        assert!(before.matcher.find("we use kates").is_empty());
        shared
            .update(|t| t.add_alias("kubernetes", "kates", "alice"))
            .unwrap();
        assert_eq!(
            shared.current().matcher.find("we use kates")[0].slug,
            "kubernetes"
        );
        assert!(shared.update(|t| t.add_alias("nope", "x", "a")).is_err());
        assert!(shared.current().taxonomy.version().ends_with("+local"));
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let err = Taxonomy::parse("a|A|language|\nbroken line", "t").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = Taxonomy::parse("a|A|nonsense|", "t").unwrap_err();
        assert!(err.to_string().contains("line"), "{err:#}");
    }
}
