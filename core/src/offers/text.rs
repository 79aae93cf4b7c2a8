//! The strings of a loaded catalog (ids, names, titles, bodies) in one
//! buffer, each referred to by an 8-byte span: a catalog of 100,000 offers
//! holds a few hundred thousand short strings, and one heap allocation
//! each would cost more than the text.

use foldhash::HashMap;

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
/// while a catalog is being loaded.
#[derive(Debug, Default)]
pub(crate) struct Interner<'s> {
    seen: HashMap<&'s str, Str>,
}

impl<'s> Interner<'s> {
    /// `s` in `arena`, appended the first time only.
    pub(crate) fn intern(&mut self, arena: &mut TextArena, s: &'s str) -> Str {
        *self.seen.entry(s).or_insert_with(|| arena.push(s))
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
