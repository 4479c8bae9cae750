//! The checked-in `generated.txt` is what `scripts/taxonomy/generate.py` makes from
//! its pinned packages: a hand edit of the generated file, or a change to the script
//! or `overlay.txt` without a rerun, fails here. The script downloads the packages
//! once (checked against their SHA-256) into `target/taxonomy-sources/`.

use std::path::Path;
use std::process::Command;

#[test]
fn the_generated_taxonomy_is_what_the_script_makes() {
    check("generate.py");
}

/// `posting_terms.txt` is learned from SkillSpan TECH train by its script: a hand
/// edit, or a change to the script or the split without a rerun, fails here.
#[test]
fn the_posting_terms_are_what_the_script_learns() {
    check("posting_terms.py");
}

fn check(script: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new("python3")
        .arg(root.join("scripts/taxonomy").join(script))
        .arg("--check")
        .current_dir(&root)
        .output()
        .expect("python3 runs (scripts/test.sh needs it too)");
    assert!(
        output.status.success(),
        "{script} --check failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
