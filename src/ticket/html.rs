//! The HTML we send as `html_body`: every piece of text escaped (never interpreted as HTML),
//! line breaks and runs of spaces kept, and only `http(s)` URLs turned into links. Zendesk's
//! `body` is never used for a transcript: it strips HTML and collapses whitespace (facts §3.1).
//!
//! Content is a list of [`Seg`]ments rendered by a [`Writer`], which produces the HTML and the
//! plain text of the same content side by side (the text is what the preview shows, and what
//! the "nothing lost" property of the transcript split is checked on).

use url::Url;

/// Longer URLs are shown as text, not as links (browsers and Zendesk handle links up to about
/// 2 kB well; a longer one is more likely junk than a link anyone will click).
pub const MAX_LINK_BYTES: usize = 2048;

/// Escapes text for HTML content and for double- or single-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// The URL when it is a usable `http` or `https` link (with a host, at most
/// [`MAX_LINK_BYTES`]); anything else (`javascript:`, `data:`, `mailto:`, relative, junk) is
/// None and must be shown as text.
pub fn safe_http_url(s: &str) -> Option<Url> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_LINK_BYTES {
        return None;
    }
    let url = Url::parse(s).ok()?;
    let http = matches!(url.scheme(), "http" | "https");
    (http && url.host_str().is_some_and(|h| !h.is_empty())).then_some(url)
}

/// Makes text safe to carry: `\r\n` and lone `\r` become `\n`; other control characters
/// (which HTML cannot carry) become their visible Unicode "control picture" (U+2400 block).
/// Tabs and line breaks stay.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'))
            }
            '\u{7f}' => out.push('\u{2421}'),
            c => out.push(c),
        }
    }
    out
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// Text as written (normalised): escaped, line breaks kept.
    Text(String),
    /// A link whose target is a checked `http(s)` URL, shown as `label`.
    Link { href: String, label: String },
}

impl Seg {
    pub fn text(s: impl Into<String>) -> Seg {
        Seg::Text(s.into())
    }

    /// A link when `url` is a safe `http(s)` URL, else the URL as text.
    pub fn url(url: &str) -> Seg {
        match safe_http_url(url) {
            Some(u) => Seg::Link {
                href: u.to_string(),
                label: url.trim().to_owned(),
            },
            None => Seg::Text(url.to_owned()),
        }
    }

    /// The plain text this segment shows.
    pub fn plain(&self) -> &str {
        match self {
            Seg::Text(s) => s,
            Seg::Link { label, .. } => label,
        }
    }
}

/// Splits text into text and link segments: `http://` and `https://` URLs (not preceded by a
/// letter or digit, ending at whitespace, a quote or `<>`, trailing punctuation and unbalanced
/// closing brackets left out) become links when [`safe_http_url`] accepts them. The segments'
/// texts concatenate to exactly `text`.
pub fn linkify(text: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let scheme = if (bytes[i] == b'h' || bytes[i] == b'H')
            && (i == 0
                || !text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric))
        {
            url_scheme_len(&text[i..])
        } else {
            None
        };
        if let Some(scheme) = scheme {
            let end = url_end(text, i);
            let candidate = &text[i..end];
            if let Some(u) = safe_http_url(candidate).filter(|_| end > i + scheme) {
                if plain_start < i {
                    segs.push(Seg::Text(text[plain_start..i].to_owned()));
                }
                segs.push(Seg::Link {
                    href: u.to_string(),
                    label: candidate.to_owned(),
                });
                plain_start = end;
                i = end;
                continue;
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    if plain_start < text.len() {
        segs.push(Seg::Text(text[plain_start..].to_owned()));
    }
    segs
}

fn url_scheme_len(s: &str) -> Option<usize> {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    if lower.starts_with("https://") {
        Some(8)
    } else if lower.starts_with("http://") {
        Some(7)
    } else {
        None
    }
}

/// The end (exclusive) of the URL starting at `start`.
fn url_end(text: &str, start: usize) -> usize {
    let rest = &text[start..];
    let mut end = rest
        .char_indices()
        .find(|(_, c)| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '`')
        })
        .map_or(rest.len(), |(i, _)| i);
    // Trailing punctuation is the sentence's, not the URL's; so is an unbalanced closing bracket.
    loop {
        let url = &rest[..end];
        let Some(last) = url.chars().next_back() else {
            break;
        };
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(open).count() < url.matches(close).count()
        };
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?')
            || unbalanced('(', ')')
            || unbalanced('[', ']')
            || unbalanced('{', '}')
        {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    start + end
}

/// Renders segments to HTML and plain text. Whitespace is kept the way a browser would
/// otherwise collapse it: a space at the start of a line or after another space becomes
/// `&nbsp;`, a tab four of them, a line break `<br>`.
#[derive(Debug, Clone)]
pub struct Writer {
    pub html: String,
    pub text: String,
    /// Anchors written (Zendesk adds attributes to each: see the split budget).
    pub links: usize,
    /// The last thing written would let a following space collapse (line start or a space).
    collapsible: bool,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            html: String::new(),
            text: String::new(),
            links: 0,
            collapsible: true,
        }
    }

    /// Markup this module controls, with the text it shows.
    pub fn raw(&mut self, html: &str, text: &str) {
        self.html.push_str(html);
        self.text.push_str(text);
        self.collapsible = html.ends_with("<br>") || html.ends_with("<p>") || html.ends_with(' ');
    }

    /// A line break inside a paragraph.
    pub fn line_break(&mut self) {
        self.html.push_str("<br>");
        self.text.push('\n');
        self.collapsible = true;
    }

    pub fn seg(&mut self, seg: &Seg) {
        match seg {
            Seg::Text(s) => self.text_run(s),
            Seg::Link { href, label } => {
                self.html.push_str("<a href=\"");
                self.html.push_str(&escape(href));
                self.html.push_str("\">");
                self.html.push_str(&escape(label));
                self.html.push_str("</a>");
                self.text.push_str(label);
                self.links += 1;
                self.collapsible = false;
            }
        }
    }

    pub fn segs<'a>(&mut self, segs: impl IntoIterator<Item = &'a Seg>) {
        for s in segs {
            self.seg(s);
        }
    }

    fn text_run(&mut self, s: &str) {
        self.text.push_str(s);
        for c in s.chars() {
            match c {
                '\n' => {
                    self.html.push_str("<br>");
                    self.collapsible = true;
                }
                ' ' if self.collapsible => {
                    self.html.push_str("&nbsp;");
                    self.collapsible = false;
                }
                ' ' => {
                    self.html.push(' ');
                    self.collapsible = true;
                }
                '\t' => {
                    self.html.push_str("&nbsp;&nbsp;&nbsp;&nbsp;");
                    self.collapsible = false;
                }
                c => {
                    push_escaped(&mut self.html, c);
                    self.collapsible = false;
                }
            }
        }
    }

    /// How many HTML bytes `s` would add as a text segment, from this writer's state.
    pub fn text_cost(&self, s: &str) -> usize {
        let mut w = Writer {
            html: String::new(),
            text: String::new(),
            links: 0,
            collapsible: self.collapsible,
        };
        w.text_run(s);
        w.html.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What a browser shows for our HTML, as text: tags dropped, `<br>` and paragraph ends as
    /// line breaks, entities decoded. Only what this module writes is understood.
    pub(crate) fn visible_text(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(lt) = rest.find('<') {
            out.push_str(&decode(&rest[..lt]));
            let gt = rest[lt..].find('>').expect("closed tag") + lt;
            let tag = &rest[lt + 1..gt];
            if tag == "br" {
                out.push('\n');
            } else if tag == "/p" {
                out.push_str("\n\n");
            }
            rest = &rest[gt + 1..];
        }
        out.push_str(&decode(rest));
        out
    }

    fn decode(s: &str) -> String {
        assert!(
            !s.contains('<') && !s.contains('>'),
            "unescaped markup in {s:?}"
        );
        s.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn render(segs: &[Seg]) -> Writer {
        let mut w = Writer::new();
        w.segs(segs);
        w
    }

    #[test]
    fn text_is_escaped_never_markup() {
        let w = render(&[Seg::text(
            "<script>alert('x')</script> & \"quotes\" <b>bold</b> &amp;",
        )]);
        assert_eq!(
            w.html,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot; \
             &lt;b&gt;bold&lt;/b&gt; &amp;amp;"
        );
        assert!(!w.html.contains('<') && !w.html.contains('>'));
        assert_eq!(
            visible_text(&w.html),
            "<script>alert('x')</script> & \"quotes\" <b>bold</b> &amp;"
        );
        assert_eq!(escape("a\"b'c"), "a&quot;b&#39;c");
    }

    #[test]
    fn line_breaks_and_spaces_are_kept() {
        let w = render(&[Seg::text("Line one\nLine two\n\n    indented\ttab  two")]);
        assert_eq!(
            w.html,
            "Line one<br>Line two<br><br>&nbsp; &nbsp; indented&nbsp;&nbsp;&nbsp;&nbsp;tab \
             &nbsp;two"
        );
        assert_eq!(w.text, "Line one\nLine two\n\n    indented\ttab  two");
        // A browser collapses a plain space only after another space or at a line start.
        assert!(!w.html.contains("  ") && !w.html.contains("<br> "));
    }

    #[test]
    fn only_http_urls_become_links() {
        let segs = linkify(
            "See https://example.com/a?b=1&c=<2>, or (http://x.example/p_(1)). javascript:alert(1) data:text/html,x ftp://f.example xhttps://no.example HTTPS://UP.example",
        );
        let links: Vec<(&str, &str)> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Link { href, label } => Some((href.as_str(), label.as_str())),
                Seg::Text(_) => None,
            })
            .collect();
        assert_eq!(
            links,
            vec![
                (
                    "https://example.com/a?b=1&c=",
                    "https://example.com/a?b=1&c="
                ),
                ("http://x.example/p_(1)", "http://x.example/p_(1)"),
                ("https://up.example/", "HTTPS://UP.example"),
            ]
        );
        let all: String = segs.iter().map(Seg::plain).collect();
        assert_eq!(
            all,
            "See https://example.com/a?b=1&c=<2>, or (http://x.example/p_(1)). javascript:alert(1) data:text/html,x ftp://f.example xhttps://no.example HTTPS://UP.example"
        );
        let w = render(&segs);
        assert!(w.html.contains(
            "<a href=\"https://example.com/a?b=1&amp;c=\">https://example.com/a?b=1&amp;c=</a>&lt;2&gt;,"
        ));
        assert!(w.html.contains("javascript:alert(1)"));
        assert!(!w.html.contains("href=\"javascript"));
        assert_eq!(w.links, 3);
        // A bare scheme or an unparsable host is text.
        assert!(
            linkify("http:// and https://")
                .iter()
                .all(|s| matches!(s, Seg::Text(_)))
        );
        assert!(
            linkify("https:// x")
                .iter()
                .all(|s| matches!(s, Seg::Text(_)))
        );
        assert!(matches!(&linkify("http://a")[0], Seg::Link { href, .. } if href == "http://a/"));
    }

    #[test]
    fn attachment_urls_are_checked() {
        assert!(
            matches!(Seg::url("https://files.example/a b.jpg"), Seg::Link { ref href, .. } if href == "https://files.example/a%20b.jpg")
        );
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "/relative/path",
            "mailto:a@b.example",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(Seg::url(bad), Seg::Text(bad.into()), "{bad}");
        }
        let long = format!("https://x.example/{}", "a".repeat(MAX_LINK_BYTES));
        assert_eq!(Seg::url(&long), Seg::Text(long.clone()));
        // The href of a link is quoted and escaped: no attribute can be broken out of.
        let w = render(&[Seg::url("https://x.example/?q=\"><script>")]);
        assert!(!w.html.contains("\"><script>"), "{}", w.html);
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(
            normalize_text("a\r\nb\rc\u{0}d\u{1b}e\u{7f}\tf"),
            "a\nb\nc\u{2400}d\u{241b}e\u{2421}\tf"
        );
        assert_eq!(normalize_text("Ça 😊 مرحبا"), "Ça 😊 مرحبا");
    }

    #[test]
    fn text_cost_is_what_the_writer_adds() {
        let mut w = Writer::new();
        w.seg(&Seg::text("a "));
        let cost = w.text_cost("  <x>");
        let before = w.html.len();
        w.seg(&Seg::text("  <x>"));
        assert_eq!(w.html.len() - before, cost);
    }
}
