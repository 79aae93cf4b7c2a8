//! Where a value lies in a catalog document (`merchants[3].offers[0].id`),
//! built on the stack as validation walks the document and written out only
//! when a check fails: a large catalog is checked without formatting a path
//! for each of its hundreds of thousands of values.

use std::fmt;

/// A path in the document: the root, a key of an object, or an item of an
/// array. Each step borrows its parent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DocPath<'a> {
    /// The document itself (written as the empty string).
    Root,
    /// `parent.key` (just `key` at the root).
    Key(&'a DocPath<'a>, &'a str),
    /// `parent[index]`.
    Item(&'a DocPath<'a>, usize),
}

impl<'a> DocPath<'a> {
    /// The value under `key` of this object.
    pub(crate) fn key(&'a self, key: &'a str) -> DocPath<'a> {
        DocPath::Key(self, key)
    }

    /// Item `index` of this array.
    pub(crate) fn item(&'a self, index: usize) -> DocPath<'a> {
        DocPath::Item(self, index)
    }
}

impl fmt::Display for DocPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocPath::Root => Ok(()),
            DocPath::Key(DocPath::Root, key) => f.write_str(key),
            DocPath::Key(parent, key) => write!(f, "{parent}.{key}"),
            DocPath::Item(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

impl From<&DocPath<'_>> for String {
    fn from(path: &DocPath<'_>) -> String {
        path.to_string()
    }
}

impl From<DocPath<'_>> for String {
    fn from(path: DocPath<'_>) -> String {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::DocPath;

    #[test]
    fn writes_keys_and_items() {
        let root = DocPath::Root;
        assert_eq!(root.to_string(), "");
        let merchants = root.key("merchants");
        let m = merchants.item(3);
        let offers = m.key("offers");
        assert_eq!(offers.item(0).key("id").to_string(), "merchants[3].offers[0].id");
        assert_eq!(root.key("expires_at").to_string(), "expires_at");
    }
}
