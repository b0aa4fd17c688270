//! `regexp` fields: Zendesk checks `regexp_for_validation` with Ruby (Onigmo) regular
//! expressions; this module reads them with the `regex` crate.
//!
//! The rule: **a value passes only if every reading of the pattern we can make accepts it**.
//! A value Zendesk rejects makes the whole ticket request fail (422), so when the two dialects
//! disagree we side with the stricter one and drop the answer (reported), rather than sending
//! it. Two readings:
//!
//! 1. The pattern translated to Ruby's meaning (see [`translate`]):
//!    - `\d`, `\w`, `\s`, `\h` (and `\D`, `\W`, `\S`, `\H`) are ASCII-only in Ruby; in the
//!      `regex` crate they are Unicode. Translated to the ASCII classes `[0-9]`, `[0-9A-Za-z_]`,
//!      `[\t\n\v\f\r ]`, `[0-9a-fA-F]`.
//!    - `\Z` (end, or before a final newline) does not exist in `regex`: `(?:\n?\z)`.
//!    - Ruby's `(?m)` flag is "dot matches newline", i.e. `regex`'s `(?s)`.
//!    - Ruby's `^` and `$` match at every line start/end; `regex`'s (without `(?m)`) only at
//!      the start/end of the value. Kept as `regex` reads them: stricter for values with line
//!      breaks (a `regexp` field is a one-line input, so this rarely matters).
//! 2. The pattern as written, compiled by `regex` with default flags: exactly what the
//!    sandbox (`crates/sandbox/src/zendesk/fields.rs`) does, so the two always agree.
//!
//! What `regex` cannot compile (look-around `(?=` `(?!` `(?<=` `(?<!`, back-references `\1`
//! `\k<name>`, atomic groups `(?>`, possessive quantifiers `a*+`, `\G`, `\K`, `\R`, `\X`...)
//! makes the pattern *unchecked*: the value is sent and Zendesk judges it (the sandbox accepts
//! it too). The rebuilt form says so (`checked: false` and a warning). POSIX bracket classes
//! such as `[[:alpha:]]` are ASCII in `regex` and Unicode in Ruby: stricter here.

use regex::Regex;

/// A compiled `regexp_for_validation`.
#[derive(Debug, Clone)]
pub struct FieldPattern {
    /// Ruby's meaning, translated; None when `regex` cannot compile it.
    ruby: Option<Regex>,
    /// The literal pattern, as the sandbox compiles it; None when it does not compile.
    literal: Option<Regex>,
}

impl FieldPattern {
    pub fn new(pattern: &str) -> FieldPattern {
        FieldPattern {
            ruby: translate(pattern).and_then(|p| Regex::new(&p).ok()),
            literal: Regex::new(pattern).ok(),
        }
    }

    /// Can we check values at all? False when no reading of the pattern compiles.
    pub fn is_checkable(&self) -> bool {
        self.ruby.is_some()
    }

    /// Does `value` pass every reading that compiles? Without Ruby's reading, Zendesk judges
    /// (the literal reading, when it compiles, still applies: the sandbox uses it).
    pub fn accepts(&self, value: &str) -> bool {
        [&self.ruby, &self.literal]
            .into_iter()
            .flatten()
            .all(|re| re.is_match(value))
    }
}

/// Rewrites a Ruby pattern into the `regex` crate's syntax with the same meaning, as far as
/// the constructs listed in the module documentation go. Anything else is copied unchanged
/// (and may then fail to compile, which makes the pattern unchecked). None for Ruby-only
/// syntax that `regex` would read differently instead of rejecting: the possessive
/// quantifiers `*+`, `++`, `?+` (`regex` reads `a*+` as `(?:a*)+`).
pub fn translate(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    // Depth of character classes: Ruby and `regex` both nest them (`[a-z&&[^aeiou]]`).
    let mut class_depth = 0usize;
    // The previous token was an unescaped `*`, `+` or `?` quantifier outside a class.
    let mut after_quantifier = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let quantifier = class_depth == 0 && matches!(c, '*' | '+' | '?') && i > 0;
        if quantifier && c == '+' && after_quantifier {
            return None;
        }
        after_quantifier = quantifier && !(c == '?' && chars[i - 1] == '(');
        match c {
            '\\' if i + 1 < chars.len() => {
                let e = chars[i + 1];
                i += 2;
                let inside = class_depth > 0;
                let class = match e {
                    'd' => Some("[:digit:]"),
                    'D' => Some("[:^digit:]"),
                    'w' => Some("[:word:]"),
                    'W' => Some("[:^word:]"),
                    's' => Some("[:space:]"),
                    'S' => Some("[:^space:]"),
                    'h' => Some("[:xdigit:]"),
                    'H' => Some("[:^xdigit:]"),
                    _ => None,
                };
                match (class, e) {
                    (Some(posix), _) if inside => out.push_str(posix),
                    (Some(posix), _) => {
                        out.push('[');
                        out.push_str(posix);
                        out.push(']');
                    }
                    (None, 'Z') if !inside => out.push_str(r"(?:\n?\z)"),
                    (None, other) => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            '[' => {
                // A POSIX class `[:alpha:]` inside a class: copied whole.
                if class_depth > 0 && chars.get(i + 1) == Some(&':') {
                    let end = (i + 2..chars.len().saturating_sub(1))
                        .find(|&k| chars[k] == ':' && chars[k + 1] == ']');
                    if let Some(end) = end {
                        out.extend(&chars[i..end + 2]);
                        i = end + 2;
                        continue;
                    }
                }
                class_depth += 1;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` right after `[` or `[^` is a literal in both dialects.
                if chars.get(i) == Some(&']') {
                    out.push_str(r"\]");
                    i += 1;
                }
                continue;
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '(' if class_depth == 0 && chars.get(i + 1) == Some(&'?') => {
                // Inline flags `(?imx-imx)` / `(?imx-imx:...)`: Ruby's `m` is `regex`'s `s`.
                let mut j = i + 2;
                while j < chars.len() && matches!(chars[j], 'i' | 'm' | 'x' | '-') {
                    j += 1;
                }
                if j > i + 2 && matches!(chars.get(j), Some(')' | ':')) {
                    out.push_str("(?");
                    for f in &chars[i + 2..j] {
                        out.push(if *f == 'm' { 's' } else { *f });
                    }
                    i = j;
                    continue;
                }
                out.push('(');
            }
            other => out.push(other),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str) -> String {
        translate(p).expect("translatable")
    }

    #[test]
    fn possessive_quantifiers_are_ruby_only() {
        for p in ["^a*+$", "a++", "a?+b", "(ab)*+"] {
            assert_eq!(translate(p), None, "{p}");
            assert!(!FieldPattern::new(p).is_checkable(), "{p}");
        }
        // Escaped or in a class, or lazy: ordinary.
        assert_eq!(t(r"\++"), r"\++");
        assert_eq!(t("[*+]+"), "[*+]+");
        assert_eq!(t("a+?b"), "a+?b");
        assert_eq!(t("(?:a)+"), "(?:a)+");
        assert_eq!(t("a{2}+"), "a{2}+");
        // The literal reading (the sandbox's) still applies when it compiles.
        let p = FieldPattern::new("^a*+$");
        assert!(p.accepts("aaa") && !p.accepts("b"));
    }

    #[test]
    fn perl_classes_are_ascii_as_in_ruby() {
        assert_eq!(t(r"^\d{4}$"), r"^[[:digit:]]{4}$");
        assert_eq!(t(r"[\d\-]+"), r"[[:digit:]\-]+");
        assert_eq!(
            t(r"\w\W\s\S\h\H\D"),
            r"[[:word:]][[:^word:]][[:space:]][[:^space:]][[:xdigit:]][[:^xdigit:]][[:^digit:]]"
        );
        let p = FieldPattern::new(r"^\d{4}$");
        assert!(p.accepts("1234"));
        // Arabic-Indic digits are \d for `regex`, not for Ruby.
        assert!(!p.accepts("١٢٣٤"));
        let hex = FieldPattern::new(r"^\h+$");
        assert!(hex.is_checkable());
        assert!(hex.accepts("00ff") && !hex.accepts("xyz"));
    }

    #[test]
    fn escapes_of_escapes_and_other_escapes_are_kept() {
        assert_eq!(t(r"a\\d"), r"a\\d");
        assert_eq!(t(r"\.\b\n\p{L}"), r"\.\b\n\p{L}");
        assert!(FieldPattern::new(r"^a\\d$").accepts(r"a\d"));
    }

    #[test]
    fn ruby_big_z_and_m_flag() {
        let p = FieldPattern::new(r"\A[A-Z]+\Z");
        assert!(p.is_checkable());
        assert!(p.accepts("ABC") && p.accepts("ABC\n") && !p.accepts("ABC\nD"));
        assert_eq!(t("(?m)a.b"), "(?s)a.b");
        assert_eq!(t("(?mi:a.b)"), "(?si:a.b)");
        assert_eq!(t("(?:ab)(?<name>x)"), "(?:ab)(?<name>x)");
        // Both readings must accept: `(?m)` is "dot matches newline" for Ruby, but the literal
        // reading (the sandbox's) gives `^`/`$` line semantics and a dot without newlines.
        let p = FieldPattern::new("(?m)^a.b$");
        assert!(p.accepts("axb"));
        assert!(!p.accepts("a\nb"), "the sandbox's reading rejects it");
    }

    #[test]
    fn character_classes_with_leading_bracket_and_posix_names() {
        assert_eq!(t("[]a]"), r"[\]a]");
        assert_eq!(t("[^]a]"), r"[^\]a]");
        assert_eq!(t("[[:alpha:]]+"), "[[:alpha:]]+");
        assert!(FieldPattern::new("^[[:alpha:]]+$").accepts("abc"));
        assert!(FieldPattern::new(r"^[]a]+$").accepts("]a]"));
    }

    #[test]
    fn anchors_are_whole_value_anchors() {
        let p = FieldPattern::new(r"^[A-Z]{3}-\d{4}$");
        assert!(p.accepts("ABC-1234"));
        assert!(!p.accepts("abc-12"));
        assert!(
            !p.accepts("junk\nABC-1234"),
            "Ruby would match line-wise; stricter here"
        );
        // No anchors: a substring match is enough, in both dialects.
        assert!(FieldPattern::new(r"\d").accepts("a1"));
    }

    #[test]
    fn constructs_regex_cannot_compile_leave_the_pattern_unchecked() {
        for p in [r"^(?=.*\d)\w+$", r"^(a)\1$", r"(?>a+)b", r"(?<!x)y"] {
            let f = FieldPattern::new(p);
            assert!(!f.is_checkable(), "{p}");
            assert!(f.accepts("anything"), "{p}");
        }
    }
}
