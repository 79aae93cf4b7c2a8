//! Docs that compile: every ```` ```kotlin ```` and ```` ```swift ```` block
//! of `docs/bindings.md` must be, line for line, a region of the binding
//! tests' sources, marked
//!
//! ```text
//! // doc: <name>
//! ...the block...
//! // end doc
//! ```
//!
//! (indentation removed), in one of the [`sources`]: the bindings' tests
//! (`bindings/kotlin/src/test/kotlin/dev/kairos/DocSnippetsTest.kt`,
//! `bindings/swift/Tests/KairosTests/DocSnippetsTests.swift`) and the
//! platform layers' (`bindings/kotlin-android/.../DocSnippetsTest.kt`,
//! compiled against the Android framework and run by Robolectric;
//! `bindings/swift/Tests/KairosKitTests/DocSnippetsTests.swift`, whose iOS
//! regions Linux only parses). The tests
//! compile those files, so a doc block that no longer compiles, or one that
//! drifted from its compiled copy, fails `cargo xtask test-kotlin` /
//! `test-android` / `test-swift` (which check this first) and `cargo test -p xtask`.
//! Platform types the snippets use (`CLVisit`, Android's `LocationResult`)
//! are small stand-ins in the same files, outside the regions.

use crate::cmd::root;
use std::path::PathBuf;

/// The doc whose blocks are checked.
pub const DOC: &str = "docs/bindings.md";

/// The sources holding the compiled copies of `language`'s blocks.
pub fn sources(language: &str) -> Vec<PathBuf> {
    let paths: &[&str] = match language {
        "kotlin" => &[
            "bindings/kotlin/src/test/kotlin/dev/kairos/DocSnippetsTest.kt",
            "bindings/kotlin-android/src/test/kotlin/dev/kairos/android/DocSnippetsTest.kt",
        ],
        _ => &[
            "bindings/swift/Tests/KairosTests/DocSnippetsTests.swift",
            "bindings/swift/Tests/KairosKitTests/DocSnippetsTests.swift",
        ],
    };
    paths.iter().map(|p| root().join(p)).collect()
}

/// The fenced blocks of `language` in `markdown`, each with its line number.
pub fn blocks(markdown: &str, language: &str) -> Vec<(usize, String)> {
    let fence = format!("```{language}");
    let mut out = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match current.as_mut() {
            None if line.trim_end() == fence => current = Some((i + 1, Vec::new())),
            None => {}
            Some(_) if line.trim_end() == "```" => {
                let (at, lines) = current.take().expect("inside a block");
                out.push((at, normalise(&lines)));
            }
            Some((_, lines)) => lines.push(line),
        }
    }
    out
}

/// The marked regions of `source`: `(name, text)`.
pub fn regions(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in source.lines() {
        let t = line.trim();
        match current.as_mut() {
            None => {
                if let Some(name) = t.strip_prefix("// doc:") {
                    current = Some((name.trim().to_string(), Vec::new()));
                }
            }
            Some(_) if t == "// end doc" => {
                let (name, lines) = current.take().expect("inside a region");
                out.push((name, normalise(&lines)));
            }
            Some((_, lines)) => lines.push(line),
        }
    }
    out
}

/// `lines` without their common indentation and trailing blanks.
fn normalise(lines: &[&str]) -> String {
    let indent =
        lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let text: Vec<&str> = lines.iter().map(|l| if l.len() >= indent { l[indent..].trim_end() } else { "" }).collect();
    text.join("\n").trim_matches('\n').to_string()
}

/// The blocks of `language` in `markdown` that no region of `source`
/// holds, described for the error message.
pub fn unmatched(markdown: &str, source: &str, language: &str) -> Vec<String> {
    let regions = regions(source);
    blocks(markdown, language)
        .into_iter()
        .filter(|(_, block)| !regions.iter().any(|(_, r)| r == block))
        .map(|(line, block)| format!("line {line}: {}", block.lines().next().unwrap_or("")))
        .collect()
}

/// Fails unless every `language` block of the doc is compiled by the tests.
pub fn check(language: &str) -> Result<(), String> {
    let doc = root().join(DOC);
    let markdown = std::fs::read_to_string(&doc).map_err(|e| format!("cannot read {}: {e}", doc.display()))?;
    let paths = sources(language);
    let mut source = String::new();
    for path in &paths {
        source += &std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        source.push('\n');
    }
    let missing = unmatched(&markdown, &source, language);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} {language} block(s) of {DOC} are not compiled: copy each into a `// doc: <name>` ... `// end doc` region of {}:\n  {}",
            missing.len(),
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" or "),
            missing.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_TEXT: &str =
        "text\n```kotlin\nval engine = Engine.open(config)\nengine.tick(now)\n```\nmore\n```swift\nlet x = 1\n```\n";

    #[test]
    fn a_block_matches_its_region_whatever_the_indentation() {
        let source = "class T {\n    fun f() {\n        // doc: open\n        val engine = Engine.open(config)\n        engine.tick(now)   \n        // end doc\n    }\n}\n";
        assert_eq!(
            regions(source),
            [("open".to_string(), "val engine = Engine.open(config)\nengine.tick(now)".to_string())]
        );
        assert!(unmatched(DOC_TEXT, source, "kotlin").is_empty());
        assert_eq!(blocks(DOC_TEXT, "swift"), [(7, "let x = 1".to_string())]);
    }

    #[test]
    fn a_block_that_drifted_from_the_compiled_copy_is_reported() {
        // The doc calls a signature the compiled copy no longer has.
        let source = "// doc: open\nval engine = Engine.open(config, sealingKey)\nengine.tick(now)\n// end doc\n";
        assert_eq!(unmatched(DOC_TEXT, source, "kotlin"), ["line 2: val engine = Engine.open(config)"]);
    }

    #[test]
    fn every_block_of_the_bindings_doc_is_compiled_by_the_tests() {
        for language in ["kotlin", "swift"] {
            check(language).unwrap();
        }
    }
}
