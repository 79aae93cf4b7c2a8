//! The strings of a loaded catalog (ids, names, titles, bodies) in one
//! buffer, each referred to by an 8-byte span: a catalog of 100,000 offers
//! holds a few hundred thousand short strings, and one heap allocation
//! each would cost more than the text.

use foldhash::HashMap;
use std::hash::BuildHasher;

/// A string in a [`TextArena`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Str {
    at: u32,
    len: u32,
}

/// Every string of a loaded catalog, back to back.
#[derive(Debug, Default)]
pub(crate) struct TextArena {
    text: String,
}

impl TextArena {
    /// Appends `s`.
    pub(crate) fn push(&mut self, s: &str) -> Str {
        let at = self.text.len();
        self.text.push_str(s);
        // A catalog document is at most `MAX_CATALOG_DOCUMENT_BYTES` (64 MB),
        // so its text always fits u32 offsets.
        Str { at: u32::try_from(at).expect("catalog text fits u32"), len: s.len() as u32 }
    }

    /// The string `s` refers to.
    #[inline]
    pub(crate) fn get(&self, s: Str) -> &str {
        &self.text[s.at as usize..(s.at + s.len) as usize]
    }

    /// Frees spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity()
    }
}

/// Stores repeated strings (titles, categories, time-of-day texts) once,
/// while a catalog is being loaded. Keeps only hashes: the strings it has
/// seen are in the arena (the document they came from may be gone), and a
/// hash collision merely stores a string twice.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    seen: HashMap<u64, Str>,
}

impl Interner {
    /// `s` in `arena`, appended the first time only.
    pub(crate) fn intern(&mut self, arena: &mut TextArena, s: &str) -> Str {
        let hash = foldhash::fast::FixedState::with_seed(0).hash_one(s);
        match self.seen.get(&hash) {
            Some(&span) if arena.get(span) == s => span,
            _ => {
                let span = arena.push(s);
                self.seen.insert(hash, span);
                span
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_give_back_their_strings_and_repeats_are_stored_once() {
        let mut arena = TextArena::default();
        let mut interner = Interner::default();
        let a = arena.push("o1");
        let t1 = interner.intern(&mut arena, "10% off");
        let t2 = interner.intern(&mut arena, "10% off");
        let e = arena.push("");
        assert_eq!((arena.get(a), arena.get(t1), arena.get(e)), ("o1", "10% off", ""));
        assert_eq!(t1, t2);
        assert!(arena.heap_bytes() >= "o110% off".len());
    }
}
