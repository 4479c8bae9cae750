//! Renders a JSON Resume document: Markdown, HTML in a choice of themes, and
//! plain text for applicant-tracking systems (capitalized section headings,
//! one item per line, no markup).

use chrono::NaiveDate;
use serde_json::Value;

use crate::{Error, Result};

const MARKDOWN: &str = include_str!("../templates/resume.md.j2");
const HTML: &str = include_str!("../templates/resume.html.j2");
const TEXT: &str = include_str!("../templates/resume.txt.j2");

/// The HTML themes, the default first.
pub const RESUME_THEMES: &[&str] = &["classic", "modern"];

/// The renders stored with every resume version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeRenders {
    /// Markdown.
    pub markdown: String,
    /// HTML in the default theme (every value escaped).
    pub html: String,
}

/// Renders a JSON Resume document to Markdown and HTML (default theme).
pub fn render_resume(document: &Value) -> Result<ResumeRenders> {
    Ok(ResumeRenders {
        markdown: render("resume.md", MARKDOWN, document, None)?,
        html: render_resume_html(document, RESUME_THEMES[0])?,
    })
}

/// The HTML page in a theme of [`RESUME_THEMES`].
pub fn render_resume_html(document: &Value, theme: &str) -> Result<String> {
    if !RESUME_THEMES.contains(&theme) {
        let shown: String = theme.chars().take(40).collect();
        return Err(Error::invalid_input(format!(
            "theme: '{}' is not one of {}",
            shown.escape_default(),
            RESUME_THEMES.join(", ")
        )));
    }
    render("resume.html", HTML, document, Some(theme))
}

/// Plain text for applicant-tracking systems.
pub fn render_resume_text(document: &Value) -> Result<String> {
    render("resume.txt", TEXT, document, None)
}

fn render(name: &str, source: &str, document: &Value, theme: Option<&str>) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("month", month);
    env.add_filter("place", place);
    let template_error = |e: minijinja::Error| Error::unexpected(format!("resume template: {e}"));
    env.add_template(name, source).map_err(template_error)?;
    let mut context = document.clone();
    if let (Some(theme), Some(obj)) = (theme, context.as_object_mut()) {
        obj.insert("theme".into(), Value::from(theme));
    }
    let text = env
        .get_template(name)
        .and_then(|t| t.render(&context))
        .map_err(template_error)?;
    Ok(format!("{}\n", text.trim_end()))
}

/// "2026-11-24" or "2026-11" → "Nov 2026"; "2026" stays.
fn month(date: String) -> String {
    let full = if date.len() == 7 {
        format!("{date}-01")
    } else {
        date.clone()
    };
    NaiveDate::parse_from_str(&full, "%Y-%m-%d")
        .map(|d| d.format("%b %Y").to_string())
        .unwrap_or(date)
}

/// A location object as "City, Region, CC".
fn place(location: Option<minijinja::Value>) -> String {
    let Some(location) = location else {
        return String::new();
    };
    ["city", "region", "countryCode"]
        .iter()
        .filter_map(|k| location.get_attr(k).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"basics": {"name": "Dana Demo", "label": "Backend engineer", "email": "dana@example.com",
                "location": {"city": "Berlin", "countryCode": "DE"}, "summary": "Builds billing systems."},
            "work": [{"name": "Acme", "position": "Senior Engineer", "startDate": "2025-07-01",
                "highlights": ["Moved billing to PostgreSQL 15.", "Cut p99 from 800 to 120 ms."]},
                {"name": "Globex", "position": "Engineer", "startDate": "2022-01-01", "endDate": "2025-06-30",
                "highlights": ["Built the exporter."]}],
            "projects": [{"name": "Search", "entity": "Acme", "startDate": "2026-11", "endDate": "2026-12",
                "highlights": ["Added Redis caching (cache hit rate 87%)."]}],
            "skills": [{"name": "Languages", "keywords": ["C++", "Rust"]}],
            "education": [{"institution": "TU Berlin", "studyType": "BSc", "area": "Computer Science", "endDate": "2021-09-30"}]})
    }

    #[test]
    fn html_escapes_and_shows_every_keyword_in_each_theme() {
        let doc = json!({"basics": {"name": "<script>x</script>", "email": "a@x.io"},
            "skills": [{"name": "Languages", "keywords": ["C++", "Rust"]}], "work": []});
        let r = render_resume(&doc).unwrap();
        assert!(r.html.contains("&lt;script&gt;"));
        assert!(!r.html.contains("<script>"));
        assert!(r.html.contains("C++, Rust") && r.markdown.contains("C++, Rust"));
        let classic = render_resume_html(&sample(), "classic").unwrap();
        let modern = render_resume_html(&sample(), "modern").unwrap();
        assert_ne!(classic, modern);
        assert!(modern.contains("theme-modern") && classic.contains("theme-classic"));
        let err = render_resume_html(&sample(), "neon")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("theme: 'neon' is not one of classic, modern"),
            "{err}"
        );
    }

    #[test]
    fn markdown_headings_name_title_company_and_dates() {
        let md = render_resume(&sample()).unwrap().markdown;
        assert!(
            md.contains("### Senior Engineer, Acme\n\n_Jul 2025 – Present_\n"),
            "{md}"
        );
        assert!(md.contains("_Jan 2022 – Jun 2025_"), "{md}");
        assert!(md.contains("### Search (Acme)"), "{md}");
        assert!(md.contains("dana@example.com · Berlin, DE"), "{md}");
        assert!(
            md.contains("- **TU Berlin** — BSc, Computer Science (Sep 2021)"),
            "{md}"
        );
        assert!(!md.contains("\n\n\n"), "{md}");
    }

    /// Reads the text render back: capitalized headings open sections.
    fn sections(text: &str) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines() {
            let is_heading = !line.is_empty()
                && line.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
                && out.last().is_some();
            if is_heading {
                out.push((line.to_owned(), Vec::new()));
            } else if out.is_empty() {
                out.push(("HEADER".into(), vec![line.to_owned()]));
            } else if !line.is_empty() {
                out.last_mut().unwrap().1.push(line.to_owned());
            }
        }
        out
    }

    #[test]
    fn the_text_render_reparses_into_its_sections() {
        let text = render_resume_text(&sample()).unwrap();
        let got = sections(&text);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "HEADER",
                "SUMMARY",
                "EXPERIENCE",
                "PROJECTS",
                "SKILLS",
                "EDUCATION"
            ],
            "{text}"
        );
        let experience = &got[2].1;
        assert_eq!(
            experience,
            &[
                "Senior Engineer, Acme",
                "Jul 2025 - Present",
                "- Moved billing to PostgreSQL 15.",
                "- Cut p99 from 800 to 120 ms.",
                "Engineer, Globex",
                "Jan 2022 - Jun 2025",
                "- Built the exporter.",
            ]
        );
        assert!(!text.contains('*') && !text.contains('#') && !text.contains('<'));
    }
}
