//! The skill taxonomy: canonical skills, their aliases (with where each came from)
//! and the matcher that finds them in worklog text.
//!
//! The built-in taxonomy is versioned ([`BUILTIN_VERSION`]) and ships in the crate
//! (`curated.txt`). Applications and users add skills and aliases at runtime with
//! [`Taxonomy::add_skill`] and [`Taxonomy::add_alias`]; build a new
//! [`SkillMatcher`] afterwards.

mod matcher;

pub use matcher::{SkillMatch, SkillMatcher};

use std::collections::HashMap;

use crate::domain::SkillCategory;
use crate::{Error, Result};

/// Version of the built-in taxonomy; bump it whenever `curated.txt` changes.
pub const BUILTIN_VERSION: &str = "2026.11.1";

const CURATED: &str = include_str!("curated.txt");

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
    /// The built-in taxonomy.
    pub fn builtin() -> Taxonomy {
        Taxonomy::parse(CURATED, BUILTIN_VERSION)
            .expect("the built-in taxonomy is checked by tests")
    }

    /// Parses the `slug|Name|category|alias,alias` format of `curated.txt`; errors
    /// name the line.
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
            let [slug, name, category, aliases] = fields[..] else {
                return Err(Error::invalid_input(format!(
                    "taxonomy line {}: expected slug|Name|category|aliases",
                    n + 1
                )));
            };
            let category: SkillCategory = category
                .parse()
                .map_err(|e: Error| e.with_context("taxonomy line", n + 1))?;
            let aliases = aliases
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| parse_alias(a, Provenance::Curated))
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
    fn runtime_additions_are_checked_and_versioned() {
        let mut t = Taxonomy::builtin();
        t.add_skill(
            "htmx",
            "htmx",
            SkillCategory::Library,
            &["hx-boost"],
            "alice",
        )
        .unwrap();
        assert!(t.version().ends_with("+local"));
        let err = t
            .add_skill("htmx", "htmx", SkillCategory::Library, &[], "alice")
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
    fn bad_lines_are_reported_with_their_number() {
        let err = Taxonomy::parse("a|A|language|\nbroken line", "t").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = Taxonomy::parse("a|A|nonsense|", "t").unwrap_err();
        assert!(err.to_string().contains("line"), "{err:#}");
    }
}
