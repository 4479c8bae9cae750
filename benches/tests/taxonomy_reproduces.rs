//! The checked-in `generated.txt` is what `scripts/taxonomy/generate.py` makes from
//! its pinned packages: a hand edit of the generated file, or a change to the script
//! or `overlay.txt` without a rerun, fails here. The script downloads the packages
//! once (checked against their SHA-256) into `target/taxonomy-sources/`.

use std::path::Path;
use std::process::Command;

#[test]
fn the_generated_taxonomy_is_what_the_script_makes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new("python3")
        .arg(root.join("scripts/taxonomy/generate.py"))
        .arg("--check")
        .current_dir(&root)
        .output()
        .expect("python3 runs (scripts/test.sh needs it too)");
    assert!(
        output.status.success(),
        "generate.py --check failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
