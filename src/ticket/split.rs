//! Splitting long content across several comments, never truncating it.
//!
//! Zendesk silently cuts a comment body longer than 64 kB ("Any characters exceeding this
//! limit are truncated. No error is reported.", facts §3.1, §12). Content is a list of
//! paragraphs ([`BlockSpec`]: a message of the transcript, a line of the note); they are packed
//! whole into comments of at most [`COMMENT_BUDGET_BYTES`], and a paragraph bigger than that is
//! itself cut into chunks (between segments, else inside a text at a space or line break when
//! one is near, else between characters, keeping emoji sequences whole), each chunk repeating
//! the paragraph's header marked "continued". The chunks' texts concatenate to exactly the
//! paragraph's text.
//!
//! What is measured is the exact UTF-8 byte length of the HTML we send, plus
//! [`LINK_ALLOWANCE_BYTES`] per link, against a budget that leaves a margin below the limit.

use super::html::{Seg, Writer};
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// Zendesk's documented limit for one comment body (64 KB).
pub const ZENDESK_COMMENT_LIMIT_BYTES: usize = 65_536;
/// The most one comment we send may cost: 5,536 bytes (8.4 %) under the limit, for the wrapper
/// Zendesk puts around a stored comment (`<div class="zd-comment" dir="auto">…</div>`) and
/// whatever its sanitiser rewrites.
pub const COMMENT_BUDGET_BYTES: usize = 60_000;
/// Counted per link on top of its bytes: Zendesk adds attributes to the links it stores
/// (`rel="noopener noreferrer" target="_blank"`, about 45 bytes).
pub const LINK_ALLOWANCE_BYTES: usize = 64;

/// The header of a paragraph (author and time of a message, label of a note line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub html: String,
    pub text: String,
}

/// A paragraph to pack.
#[derive(Debug, Clone)]
pub struct BlockSpec {
    /// Where the paragraph comes from (the message's index in the transcript, the note line).
    pub origin: usize,
    pub at: Option<DateTime<Utc>>,
    pub header: Header,
    /// The header of every chunk after the first, when the paragraph must be cut.
    pub continued: Header,
    pub content: Vec<Seg>,
}

/// A paragraph (or one chunk of it) as packed: `<p>header content</p>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub origin: usize,
    /// 0 for the paragraph's first (or only) chunk.
    pub chunk: usize,
    pub at: Option<DateTime<Utc>>,
    pub html: String,
    /// Header text then content text.
    pub text: String,
    /// The content's text only: the chunks of a paragraph concatenate to its whole content.
    pub content_text: String,
    pub links: usize,
}

impl Block {
    pub fn cost(&self) -> usize {
        self.html.len() + self.links * LINK_ALLOWANCE_BYTES
    }
}

const CLOSE: &str = "</p>";

fn cost(w: &Writer) -> usize {
    w.html.len() + w.links * LINK_ALLOWANCE_BYTES
}

struct Chunker<'a> {
    spec: &'a BlockSpec,
    /// For the first chunk (the room left in the current comment).
    first_budget: usize,
    budget: usize,
    out: Vec<Block>,
    w: Writer,
    content_start: (usize, usize),
}

impl<'a> Chunker<'a> {
    fn new(spec: &'a BlockSpec, first_budget: usize, budget: usize) -> Self {
        let mut c = Chunker {
            spec,
            first_budget,
            budget,
            out: Vec::new(),
            w: Writer::new(),
            content_start: (0, 0),
        };
        c.open();
        c
    }

    fn open(&mut self) {
        let header = if self.out.is_empty() {
            &self.spec.header
        } else {
            &self.spec.continued
        };
        self.w = Writer::new();
        self.w.raw("<p>", "");
        self.w.raw(&header.html, &header.text);
        self.content_start = (self.w.html.len(), self.w.text.len());
    }

    /// The first chunk was to fill the room left in the current comment, but nothing fits
    /// there: give it a whole comment instead (the packer moves it to the next one).
    fn widen_first(&mut self) -> bool {
        let widen = self.out.is_empty() && self.first_budget < self.budget;
        if widen {
            self.first_budget = self.budget;
        }
        widen
    }

    fn has_content(&self) -> bool {
        self.w.html.len() > self.content_start.0
    }

    fn room(&self) -> usize {
        let budget = if self.out.is_empty() {
            self.first_budget
        } else {
            self.budget
        };
        budget.saturating_sub(cost(&self.w) + CLOSE.len())
    }

    fn close(&mut self) {
        let mut w = std::mem::take(&mut self.w);
        w.raw(CLOSE, "");
        let content_text = w.text[self.content_start.1..].to_owned();
        self.out.push(Block {
            origin: self.spec.origin,
            chunk: self.out.len(),
            at: self.spec.at,
            html: w.html,
            text: w.text,
            content_text,
            links: w.links,
        });
    }

    fn run(mut self) -> Vec<Block> {
        let mut queue: VecDeque<Seg> = self.spec.content.iter().cloned().collect();
        while let Some(seg) = queue.pop_front() {
            match seg {
                Seg::Link { ref label, .. } => {
                    let mut probe = Writer::new();
                    probe.seg(&seg);
                    if cost(&probe) <= self.room() {
                        self.w.seg(&seg);
                    } else if self.has_content() {
                        self.close();
                        self.open();
                        queue.push_front(seg);
                    } else if self.widen_first() {
                        queue.push_front(seg);
                    } else {
                        // A link bigger than a whole comment: shown as text (which can be cut).
                        queue.push_front(Seg::Text(label.clone()));
                    }
                }
                Seg::Text(s) => {
                    if s.is_empty() {
                        continue;
                    }
                    let room = self.room();
                    if self.w.text_cost(&s) <= room {
                        self.w.seg(&Seg::Text(s));
                        continue;
                    }
                    let mut cut = self.largest_prefix(&s, room);
                    if cut == 0 {
                        if self.has_content() {
                            self.close();
                            self.open();
                            queue.push_front(Seg::Text(s));
                            continue;
                        }
                        if self.widen_first() {
                            queue.push_front(Seg::Text(s));
                            continue;
                        }
                        // Not even one character fits after the header: the budget is absurdly
                        // small; still make progress rather than loop.
                        cut = s.chars().next().map_or(s.len(), char::len_utf8);
                    }
                    let (head, tail) = s.split_at(cut);
                    self.w.seg(&Seg::Text(head.to_owned()));
                    self.close();
                    self.open();
                    queue.push_front(Seg::Text(tail.to_owned()));
                }
            }
        }
        if self.has_content() || self.out.is_empty() {
            self.close();
        }
        self.out
    }

    /// The largest byte index `k` (a character boundary, moved back to a nicer place when one is
    /// near) such that `s[..k]` fits in `room` bytes from the current writer state.
    fn largest_prefix(&self, s: &str, room: usize) -> usize {
        let bounds: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .skip(1)
            .chain(std::iter::once(s.len()))
            .collect();
        // Rendered length grows with the prefix: binary search the last boundary that fits.
        let (mut lo, mut hi) = (0usize, bounds.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.w.text_cost(&s[..bounds[mid]]) <= room {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo == 0 {
            return 0;
        }
        nicer_cut(s, bounds[lo - 1])
    }
}

/// Within the last 400 bytes before `k`, cut after a line break, else after a space; else at
/// `k` moved back so that no emoji sequence, combining mark or modifier is split.
fn nicer_cut(s: &str, k: usize) -> usize {
    if k >= s.len() {
        return k;
    }
    let window_start = s.floor_char_boundary_compat(k.saturating_sub(400));
    let window = &s[window_start..k];
    if let Some(i) = window.rfind('\n').or_else(|| window.rfind(' ')) {
        let at = window_start + i + 1;
        if at > 0 {
            return at;
        }
    }
    let mut at = k;
    while at > 0 {
        let next = s[at..].chars().next();
        let prev = s[..at].chars().next_back();
        let inside_flag = prev.is_some_and(is_regional_indicator)
            && next.is_some_and(is_regional_indicator)
            && s[..at]
                .chars()
                .rev()
                .take_while(|c| is_regional_indicator(*c))
                .count()
                % 2
                == 1;
        let joined = next.is_some_and(is_extending) || prev == Some('\u{200D}') || inside_flag;
        if !joined {
            return at;
        }
        at -= prev.map_or(1, char::len_utf8);
        if k - at > 64 {
            break;
        }
    }
    k
}

/// Characters that belong to the one before them in what a reader sees as one symbol.
fn is_extending(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F      // combining diacritics
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F    // variation selectors
        | 0xFE20..=0xFE2F
        | 0x200D             // zero-width joiner
        | 0x1F3FB..=0x1F3FF  // skin tones
        | 0xE0020..=0xE007F  // tag characters (subdivision flags)
        | 0xE0100..=0xE01EF
    ) || matches!(c as u32, 0x064B..=0x065F | 0x0670 | 0x05B0..=0x05C7) // Arabic, Hebrew marks
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// The paragraph as one block when it fits `budget`, else its chunks.
pub fn chunks(spec: &BlockSpec, budget: usize) -> Vec<Block> {
    Chunker::new(spec, budget, budget).run()
}

/// A paragraph too big for a whole comment starts in the room left in the current one when at
/// least this much is left (else in a new comment).
const MIN_FIRST_CHUNK: usize = 2048;

/// Packs paragraphs, in order, into groups of at most `budget` bytes each (as [`Block::cost`]
/// counts). A paragraph that does not fit the current group goes whole into the next; only a
/// paragraph bigger than a whole group is cut, its first chunk filling the current group.
pub fn pack(specs: &[BlockSpec], budget: usize) -> Vec<Vec<Block>> {
    let mut parts: Vec<Vec<Block>> = Vec::new();
    let mut current: Vec<Block> = Vec::new();
    let mut used = 0;
    for spec in specs {
        let mut blocks = chunks(spec, budget);
        let room = budget.saturating_sub(used);
        if blocks.len() > 1 && !current.is_empty() && room >= MIN_FIRST_CHUNK {
            blocks = Chunker::new(spec, room, budget).run();
        }
        for block in blocks {
            if !current.is_empty() && used + block.cost() > budget {
                parts.push(std::mem::take(&mut current));
                used = 0;
            }
            used += block.cost();
            current.push(block);
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::html::tests::visible_text;

    fn spec(origin: usize, content: Vec<Seg>) -> BlockSpec {
        BlockSpec {
            origin,
            at: None,
            header: Header {
                html: "<strong>A</strong><br>".into(),
                text: "A\n".into(),
            },
            continued: Header {
                html: "<strong>A (continued)</strong><br>".into(),
                text: "A (continued)\n".into(),
            },
            content,
        }
    }

    fn content_of(blocks: &[Block], origin: usize) -> String {
        blocks
            .iter()
            .filter(|b| b.origin == origin)
            .map(|b| b.content_text.as_str())
            .collect()
    }

    #[test]
    fn a_paragraph_that_fits_is_one_block() {
        let s = spec(0, vec![Seg::text("hello <you>")]);
        let blocks = chunks(&s, 1000);
        assert_eq!(blocks.len(), 1);
        assert_eq!(
            blocks[0].html,
            "<p><strong>A</strong><br>hello &lt;you&gt;</p>"
        );
        assert_eq!(blocks[0].text, "A\nhello <you>");
        assert_eq!(blocks[0].content_text, "hello <you>");
        // Exactly the budget fits; one byte less cuts it.
        let exact = blocks[0].cost();
        assert_eq!(chunks(&s, exact).len(), 1);
        let cut = chunks(&s, exact - 1);
        assert!(cut.len() >= 2);
        assert!(cut.iter().all(|b| b.cost() < exact));
        assert_eq!(content_of(&cut, 0), "hello <you>");
        assert!(cut[1].text.starts_with("A (continued)\n"));
    }

    #[test]
    fn huge_text_is_cut_within_budget_and_nothing_is_lost() {
        let text: String = (0..3000)
            .map(|i| format!("mot{i} <&> 😊 مرحبا שלום 👨‍👩‍👧‍👦🇫🇷\n"))
            .collect();
        let s = spec(
            7,
            vec![Seg::text(text.clone()), Seg::url("https://x.example/end")],
        );
        for budget in [300, 1000, 4096, 60_000] {
            let blocks = chunks(&s, budget);
            assert!(blocks.len() > 1, "{budget}");
            for b in &blocks {
                assert!(b.cost() <= budget, "{budget}: {}", b.cost());
                // Every chunk is valid text (no cut inside a character) and decodes to its text.
                assert_eq!(
                    visible_text(&b.html).trim_end(),
                    b.text.replace('\t', "    ").trim_end()
                );
            }
            assert_eq!(
                content_of(&blocks, 7),
                format!("{text}https://x.example/end")
            );
            // Cuts fall at line breaks here (one is always near).
            for b in &blocks[..blocks.len() - 1] {
                assert!(
                    b.content_text.ends_with('\n'),
                    "{:?}",
                    &b.content_text[b.content_text.len() - 20..]
                );
            }
        }
    }

    #[test]
    fn no_space_text_is_cut_between_symbols() {
        let family = "👨‍👩‍👧‍👦";
        let text = format!("{}{}", family.repeat(500), "🇫🇷🇩🇪".repeat(300));
        let s = spec(0, vec![Seg::text(text.clone())]);
        let blocks = chunks(&s, 700);
        assert!(blocks.len() > 5);
        for b in &blocks {
            assert!(b.cost() <= 700);
            let c = &b.content_text;
            // Each chunk starts with a whole family or a whole flag pair.
            assert!(
                c.starts_with('👨') || c.starts_with("🇫🇷") || c.starts_with("🇩🇪"),
                "{c:?}"
            );
        }
        assert_eq!(content_of(&blocks, 0), text);
    }

    #[test]
    fn packing_keeps_order_and_budget_and_cuts_only_what_must_be() {
        let specs: Vec<BlockSpec> = (0..50)
            .map(|i| {
                spec(
                    i,
                    vec![Seg::text(format!("message {i} ").repeat(i * 7 + 1))],
                )
            })
            .collect();
        let budget = 2000;
        let parts = pack(&specs, budget);
        assert!(parts.len() > 3);
        let all: Vec<&Block> = parts.iter().flatten().collect();
        for p in &parts {
            assert!(p.iter().map(Block::cost).sum::<usize>() <= budget);
        }
        for (i, s) in specs.iter().enumerate() {
            let whole: usize = chunks(s, usize::MAX).iter().map(Block::cost).sum();
            let n = all.iter().filter(|b| b.origin == i).count();
            assert_eq!(n == 1, whole <= budget, "message {i}");
            let expected: String = s.content.iter().map(Seg::plain).collect();
            let got: String = all
                .iter()
                .filter(|b| b.origin == i)
                .map(|b| b.content_text.as_str())
                .collect();
            assert_eq!(got, expected);
        }
        let origins: Vec<usize> = all.iter().map(|b| b.origin).collect();
        assert!(origins.windows(2).all(|w| w[0] <= w[1]));
        // Exact boundary: two blocks that sum to the budget share a part; one byte less splits.
        let two = [
            spec(0, vec![Seg::text("aaaa")]),
            spec(1, vec![Seg::text("bbbbbb")]),
        ];
        let sum: usize = two.iter().map(|s| chunks(s, usize::MAX)[0].cost()).sum();
        assert_eq!(pack(&two, sum).len(), 1);
        assert_eq!(pack(&two, sum - 1).len(), 2);
    }

    #[test]
    fn links_count_their_allowance_and_huge_links_become_text() {
        let s = spec(0, vec![Seg::url("https://x.example/a")]);
        let b = &chunks(&s, 10_000)[0];
        assert_eq!(b.links, 1);
        assert_eq!(b.cost(), b.html.len() + LINK_ALLOWANCE_BYTES);
        // A link that cannot fit an empty paragraph is shown as text and cut.
        let long = Seg::Link {
            href: format!("https://x.example/{}", "p".repeat(900)),
            label: format!("https://x.example/{}", "p".repeat(900)),
        };
        let blocks = chunks(&spec(0, vec![long.clone()]), 500);
        assert!(blocks.len() > 1 && blocks.iter().all(|b| b.links == 0 && b.cost() <= 500));
        assert_eq!(content_of(&blocks, 0), long.plain());
    }

    #[test]
    fn a_big_paragraph_starts_in_the_room_left_unless_nothing_fits_there() {
        let small = spec(0, vec![Seg::text("a".repeat(500))]);
        let big = spec(1, vec![Seg::text("b ".repeat(5000))]);
        let parts = pack(&[small.clone(), big.clone()], 4000);
        // The first chunk of the big one shares the first comment with the small one.
        assert_eq!(
            parts[0].iter().map(|b| b.origin).collect::<Vec<_>>(),
            [0, 1]
        );
        assert!(
            parts
                .iter()
                .all(|p| p.iter().map(Block::cost).sum::<usize>() <= 4000)
        );
        // A paragraph starting with a link that does not fit the room left: it starts in the
        // next comment, and the link stays a link.
        let link = format!("https://x.example/{}", "l".repeat(1800));
        let linked = spec(2, vec![Seg::url(&link), Seg::text("c ".repeat(3000))]);
        let filler = spec(0, vec![Seg::text("a".repeat(4000 - 2048 - 60))]);
        let parts = pack(&[filler, linked], 4000);
        assert_eq!(parts[0].len(), 1);
        assert_eq!(parts[1][0].origin, 2);
        assert_eq!(parts[1][0].links, 1);
        assert!(
            parts
                .iter()
                .all(|p| p.iter().map(Block::cost).sum::<usize>() <= 4000)
        );
    }

    #[test]
    fn an_empty_paragraph_still_shows() {
        let blocks = chunks(&spec(0, vec![]), 100);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].html, "<p><strong>A</strong><br></p>");
    }
}
