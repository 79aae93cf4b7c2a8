//! The three layers of ADR 0010, checked on the source text of `core/src`:
//! SQL only in the store, the domain pure, the layers private, and no
//! import cycle between files. A reader's map stays true only if a test
//! fails when it stops being true.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `core/src`, as a path relative to it, with its
/// text. Test-only files (those a module declares right after
/// `#[cfg(test)]`, with or without a `#[path]`) are left out: they are
/// compiled only for the crate's own unit tests.
fn sources() -> BTreeMap<String, String> {
    let mut all = every_source();
    let mut test_only = BTreeSet::new();
    for (file, text) in &all {
        let dir = file.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
        let own = if file.ends_with("mod.rs") || file == "lib.rs" {
            dir.clone()
        } else {
            format!("{}/", file.trim_end_matches(".rs"))
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            if *line != "#[cfg(test)]" {
                continue;
            }
            let mut path_attr = None;
            for next in lines.iter().skip(i + 1).take(3) {
                if let Some(p) = next.strip_prefix("#[path = \"").and_then(|p| p.strip_suffix("\"]")) {
                    path_attr = Some(p.to_string());
                } else if let Some(name) = next.strip_prefix("mod ").and_then(|n| n.strip_suffix(';')) {
                    test_only.insert(match &path_attr {
                        Some(p) => format!("{dir}{p}"),
                        None if all.contains_key(&format!("{own}{name}.rs")) => format!("{own}{name}.rs"),
                        None => format!("{own}{name}/mod.rs"),
                    });
                    break;
                }
            }
        }
    }
    all.retain(|f, _| !test_only.contains(f));
    all
}

/// Every `.rs` file under `core/src`, with its text.
fn every_source() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), &src(), &mut out);
    out
}

/// The code of a file without comments and without its `#[cfg(test)]`
/// modules, line by line (comments and tests may name anything).
fn code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_depth: Option<i32> = None;
    let mut depth = 0i32;
    let mut cfg_test_pending = false;
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim();
        if skip_depth.is_none() && cfg_test_pending && trimmed.starts_with("mod ") && trimmed.ends_with('{') {
            skip_depth = Some(depth);
        }
        if trimmed.starts_with("#[cfg(test)]") {
            cfg_test_pending = true;
        } else if !trimmed.is_empty() && !trimmed.starts_with("#[") {
            cfg_test_pending = false;
        }
        let before = depth;
        depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
        match skip_depth {
            Some(d) if depth <= d && before > d => skip_depth = None,
            Some(_) => {}
            None => out.push(code.to_string()),
        }
    }
    out
}

fn layer(file: &str) -> &str {
    file.split('/').next().unwrap()
}

#[test]
fn sql_is_written_only_in_the_store() {
    let patterns = [
        ("SELECT", "FROM"),
        ("INSERT", "INTO"),
        ("UPDATE", "SET"),
        ("DELETE", "FROM"),
        ("CREATE", "TABLE"),
        ("CREATE", "INDEX"),
        ("PRAGMA", ""),
    ];
    let mut found = Vec::new();
    for (file, text) in sources() {
        if layer(&file) == "store" {
            continue;
        }
        for (n, line) in code_lines(&text).iter().enumerate() {
            for (first, then) in patterns {
                if let Some(i) = line.find(first) {
                    if line[i + first.len()..].contains(then) {
                        found.push(format!("{file}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL outside core/src/store (ADR 0010):\n{}", found.join("\n"));
}

#[test]
fn only_the_store_and_the_error_type_know_rusqlite() {
    let mut found = Vec::new();
    for (file, text) in sources() {
        if layer(&file) == "store" || file == "error.rs" {
            continue;
        }
        for (n, line) in code_lines(&text).iter().enumerate() {
            if line.contains("rusqlite") {
                found.push(format!("{file}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "rusqlite outside core/src/store (ADR 0010):\n{}", found.join("\n"));
}

#[test]
fn the_domain_uses_neither_the_store_nor_the_engine_and_the_store_not_the_engine() {
    let mut found = Vec::new();
    for (file, text) in sources() {
        let banned: &[&str] = match layer(&file) {
            "domain" => &["crate::store", "crate::engine"],
            "store" => &["crate::engine"],
            _ => &[],
        };
        for (n, line) in code_lines(&text).iter().enumerate() {
            for b in banned {
                if line.contains(b) {
                    found.push(format!("{file}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "a layer reaches up (ADR 0010):\n{}", found.join("\n"));
}

#[test]
fn the_layers_are_private_modules() {
    let lib = fs::read_to_string(src().join("lib.rs")).unwrap();
    for layer in ["domain", "store", "engine"] {
        for line in lib.lines() {
            let t = line.trim();
            assert!(
                !(t.starts_with("pub") && t.ends_with(&format!("mod {layer};"))),
                "lib.rs declares the {layer} layer public: `{t}`"
            );
        }
    }
}

/// The module path of a file: `domain/catalog/mod.rs` → `[domain, catalog]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file that defines module `path`, if any.
fn file_of(files: &BTreeMap<String, String>, path: &[String]) -> Option<String> {
    if path.is_empty() {
        return Some("lib.rs".into());
    }
    let joined = path.join("/");
    [format!("{joined}.rs"), format!("{joined}/mod.rs")].into_iter().find(|f| files.contains_key(f))
}

/// Expands one `use` tree (`a::{b, c::d}`) into whole paths.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = &tree[..open];
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&format!("{prefix}{head}"), &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&format!("{prefix}{head}"), &inner[start..], out);
    } else if !tree.is_empty() {
        out.push(format!("{prefix}{}", tree.split(" as ").next().unwrap().trim()));
    }
}

/// The `use` paths and inline `crate::`/`super::` paths of a file's code,
/// each with the nesting depth of inline modules it was written in.
fn paths_in(text: &str) -> Vec<(String, usize)> {
    paths_of(text, true)
}

/// As [`paths_in`], without re-exports (`pub use`, `pub(crate) use`) when
/// `reexports` is false: a module's list of what it re-exports from its
/// children is its table of contents, not a use of them.
fn paths_of(text: &str, reexports: bool) -> Vec<(String, usize)> {
    let code = code_lines(text);
    let mut out = Vec::new();
    let mut inline_mods: Vec<i32> = Vec::new();
    let mut depth = 0i32;
    let joined = code.join("\n");
    let mut stmt = String::new();
    let mut in_use = false;
    for line in joined.lines() {
        let t = line.trim();
        let is_mod_block = (t.starts_with("mod ") || t.starts_with("pub mod ") || t.starts_with("pub(crate) mod "))
            && t.ends_with('{');
        if is_mod_block {
            inline_mods.push(depth);
        }
        let nest = inline_mods.len();
        let starts_use = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "].iter().any(|p| t.starts_with(p));
        if starts_use || in_use {
            stmt.push_str(t);
            stmt.push(' ');
            in_use = !t.ends_with(';');
            if !in_use {
                let is_reexport = stmt.starts_with("pub");
                let body = stmt.trim().trim_end_matches(';');
                let body = body.split_once("use ").map_or("", |(_, b)| b);
                let mut paths = Vec::new();
                expand("", body, &mut paths);
                if reexports || !is_reexport {
                    out.extend(paths.into_iter().map(|p| (p, nest)));
                }
                stmt.clear();
            }
        } else {
            for start in ["crate::", "super::"] {
                let mut rest = t;
                while let Some(i) = rest.find(start) {
                    let tail = &rest[i..];
                    let end = tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
                    out.push((tail[..end].trim_end_matches(':').to_string(), nest));
                    rest = &tail[end..];
                }
            }
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        while inline_mods.last().is_some_and(|d| depth <= *d) {
            inline_mods.pop();
        }
    }
    out
}

/// The file an item path leads to: modules are followed to their files,
/// and a name a module re-exports (`pub use child::Name`) to the child.
fn resolve(files: &BTreeMap<String, String>, module: &[String], segs: &[String], hops: usize) -> Option<String> {
    let here = file_of(files, module)?;
    let Some((first, rest)) = segs.split_first() else { return Some(here) };
    let mut sub = module.to_vec();
    sub.push(first.clone());
    if file_of(files, &sub).is_some() {
        return resolve(files, &sub, rest, hops);
    }
    if hops > 8 || first == "*" {
        return Some(here);
    }
    // An item of `here`: defined there, or re-exported from elsewhere.
    for (path, _) in paths_in(&files[&here]) {
        let parts: Vec<String> = path.split("::").map(str::to_string).collect();
        if parts.last() != Some(first) {
            continue;
        }
        let (base, tail) = anchor(module, &parts, 0);
        if let Some(found) = resolve(files, &base, &tail, hops + 1) {
            return Some(found);
        }
    }
    Some(here)
}

/// Where a written path starts: `crate::`, `super::` (from a file's module,
/// or from inside `nest` inline modules), `self::`, or a child module.
fn anchor(module: &[String], parts: &[String], nest: usize) -> (Vec<String>, Vec<String>) {
    let mut base = module.to_vec();
    let mut i = 0;
    match parts.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            i = 1;
        }
        Some("self") => i = 1,
        _ => {}
    }
    let mut nest = nest;
    while parts.get(i).is_some_and(|p| p == "super") {
        if nest > 0 {
            nest -= 1;
        } else {
            base.pop();
        }
        i += 1;
    }
    (base, parts[i..].to_vec())
}

#[test]
fn no_two_files_of_core_import_each_other_even_through_others() {
    let files = sources();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in &files {
        let module = module_of(file);
        // A module's own file (`mod.rs`, or `name.rs` beside a `name/`
        // folder) lists what it re-exports from its children.
        let stem = format!("{}/", file.trim_end_matches(".rs"));
        let is_index = file == "lib.rs" || file.ends_with("/mod.rs") || files.keys().any(|f| f.starts_with(&stem));
        for (path, nest) in paths_of(text, !is_index) {
            let parts: Vec<String> = path.split("::").map(str::to_string).collect();
            let rooted = matches!(parts[0].as_str(), "crate" | "super" | "self");
            let mut child = module.clone();
            child.push(parts[0].clone());
            if !rooted && file_of(&files, &child).is_none() {
                continue; // an outside crate or a local name
            }
            let (base, tail) = anchor(&module, &parts, nest);
            if let Some(target) = resolve(&files, &base, &tail, 0) {
                if &target != file && target != "lib.rs" {
                    edges.entry(file.clone()).or_default().insert(target);
                }
            }
        }
    }
    let mut cycles = Vec::new();
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(n, 1);
        stack.push(n);
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                None => visit(m, edges, state, stack, cycles),
                Some(1) => {
                    let from = stack.iter().position(|s| s == m).unwrap();
                    cycles.push(format!("{} -> {m}", stack[from..].join(" -> ")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
    }
    for f in files.keys() {
        if !state.contains_key(f.as_str()) {
            visit(f, &edges, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles between files of core/src:\n{}", cycles.join("\n"));
}
