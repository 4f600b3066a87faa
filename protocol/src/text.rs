//! Text as residents type it: searches match without Polish letters
//! ("zlobek" finds "Żłobek", "zorawina" finds "Żórawina"). The core's
//! offline search and the server's gmina directory fold the same way.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Lowercase, without diacritics: canonical decomposition drops the
/// combining marks of ą ć ę ń ó ś ź ż (and of any other Latin letter);
/// letters whose stroke is not a combining mark (ł, đ, ø…) are mapped by hand.
///
/// Character by character, ASCII without a lookup: every news item and
/// event of a first sync is folded, and this was a fifth of applying it.
/// Lowercasing can itself produce a combining mark ('İ' -> "i\u{307}") or a
/// precomposed letter, so its output is decomposed once more; the result is
/// a fixed point (`fold(fold(s)) == fold(s)`).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            for lower in d.to_lowercase() {
                decompose_canonical(lower, |e| {
                    if !is_combining_mark(e) {
                        out.push(strip_stroke(e));
                    }
                });
            }
        });
    }
    out
}

/// Letters whose diacritic is part of the letter, not a combining mark.
fn strip_stroke(c: char) -> char {
    match c {
        'ł' => 'l',
        'đ' => 'd',
        'ø' => 'o',
        'ħ' => 'h',
        'ŧ' => 't',
        'ı' => 'i',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn polish_letters_fold_to_ascii() {
        assert_eq!(fold("ŻŁÓBEK"), "zlobek");
        assert_eq!(fold("Żłobek"), fold("zlobek"));
        assert_eq!(fold("Zażółć gęślą jaźń"), "zazolc gesla jazn");
        assert_eq!(fold("ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż"), "acelnoszz acelnoszz");
        assert_eq!(fold("Crème Brûlée"), "creme brulee");
        assert_eq!(fold("Żórawina"), "zorawina");
    }

    /// The whole-string fold this replaced (NFD, drop marks, lowercase, map
    /// the stroked letters, repeated to a fixed point): what stores hold.
    fn fold_by_passes(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let pass = |s: &str| -> String {
            s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).map(strip_stroke).collect()
        };
        let once = pass(text);
        let twice = pass(&once);
        if twice == once { once } else { pass(&twice) }
    }

    proptest! {
        /// Indexes built before keep matching: the same text folds the same.
        #[test]
        fn the_fast_fold_matches_the_whole_string_fold(s in any::<String>()) {
            prop_assert_eq!(fold(&s), fold_by_passes(&s));
        }

        #[test]
        fn the_fast_fold_matches_on_polish_and_latin_text(s in "[a-zA-ZąćęłńóśźżĄĆĘŁŃÓŚŹŻàâçéèêëîïôûùüÿñæœÀÂÇÉÈÊËÎÏÔÛÙÜŸÑİıßǅǄ ]{0,60}") {
            prop_assert_eq!(fold(&s), fold_by_passes(&s));
        }

        #[test]
        fn fold_is_idempotent(s in any::<String>()) {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn fold_is_idempotent_on_polish(s in "[a-zA-ZąćęłńóśźżĄĆĘŁŃÓŚŹŻ0-9 ]{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(once.is_ascii());
        }
    }
}
