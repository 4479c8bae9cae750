//! PDF renders, typeset in-process by Typst with its bundled fonts embedded: no
//! browser, no network. A template reads its data as JSON, so what a user wrote
//! is typeset as text and never read as markup.

mod world;

use serde_json::Value;

use crate::{Error, Result};
use typst::WorldExt;
use world::RenderWorld;

const RESUME: &str = include_str!("../templates/resume.typ");
const REPORT: &str = include_str!("../templates/report.typ");

/// A report's structured data (with its `title`) as a PDF.
pub fn report_pdf(data: &Value) -> Result<Vec<u8>> {
    typeset(REPORT, data)
}

/// The resume document as a PDF in a theme (see
/// [`RESUME_THEMES`](crate::agents::RESUME_THEMES); the caller checks it).
pub fn resume_pdf(document: &Value, theme: &str) -> Result<Vec<u8>> {
    let mut data = document.clone();
    if let Some(object) = data.as_object_mut() {
        object.insert("theme".into(), Value::from(theme));
    }
    typeset(RESUME, &data)
}

fn typeset(template: &str, data: &Value) -> Result<Vec<u8>> {
    let bytes = serde_json::to_vec(data)
        .map_err(|e| Error::unexpected(format!("pdf: cannot encode the data: {e}")))?;
    let world = RenderWorld::new(template, bytes);
    let compiled = typst::compile::<typst_layout::PagedDocument>(&world);
    let document = compiled.output.map_err(|errors| {
        let messages: Vec<String> = errors
            .iter()
            .map(|e| {
                // The template line, for whoever maintains it.
                let line = world
                    .range(e.span)
                    .map(|r| template[..r.start.min(template.len())].lines().count());
                format!("{} (template line {})", e.message, line.unwrap_or(0))
            })
            .collect();
        Error::unexpected(format!("pdf: typesetting failed: {}", messages.join("; ")))
    })?;
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        Error::unexpected(format!("pdf: export failed: {}", messages.join("; ")))
    });
    // Typst memoizes across compilations; keep only what recent renders used.
    comemo::evict(10);
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_resume_typesets_to_a_pdf_with_the_fonts_embedded() {
        let doc = json!({"basics": {"name": "Dana Ångström", "label": "Backend Engineer", "email": "dana@example.com",
                "location": {"city": "Berlin", "countryCode": "DE"}},
            "work": [{"name": "Acme GmbH", "position": "Senior Engineer", "startDate": "2025-07-01",
                "highlights": ["Cut p99 from 800 to 120 ms #not-markup *x* $y$ <z>."]}],
            "skills": [{"name": "Languages", "keywords": ["Rust", "C++"]}],
            "education": [{"institution": "TU Berlin", "studyType": "BSc", "endDate": "2021-09-30"}]});
        for theme in ["classic", "modern"] {
            let pdf = resume_pdf(&doc, theme).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{theme}");
            assert!(pdf.len() > 5_000, "{theme}: {} bytes", pdf.len());
            assert!(
                pdf.windows(b"/FontFile".len()).any(|w| w == b"/FontFile"),
                "{theme}: fonts are embedded"
            );
        }
    }
}
