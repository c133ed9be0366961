//! Builds the HTML a structured document is shown as. Text is escaped and loses
//! control characters and bidirectional overrides; only the renderers' own tags are
//! written, and the result still goes through the allowlist sanitiser, so a mistake
//! here cannot let a source's markup through.

use crate::sanitize;

#[derive(Default)]
pub struct Html {
    out: String,
    has_text: bool,
}

impl Html {
    /// `<tag>`, what `inner` writes, `</tag>`.
    pub fn wrap(&mut self, tag: &str, inner: impl FnOnce(&mut Html)) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        inner(self);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// Nested tags, outermost first; none writes `inner` bare.
    pub fn wrap_all(&mut self, tags: &[&str], inner: impl FnOnce(&mut Html)) {
        match tags.split_first() {
            None => inner(self),
            Some((first, rest)) => self.wrap(first, |h| h.wrap_all(rest, inner)),
        }
    }

    pub fn line_break(&mut self) {
        self.out.push_str("<br>");
    }

    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\n' | '\t' | '\r' => self.out.push(' '),
                c if c.is_control() || sanitize::is_bidi_control(c) => {}
                c => {
                    self.has_text |= !c.is_whitespace();
                    self.out.push(c)
                }
            }
        }
    }

    /// Whether anything readable was written.
    pub fn has_text(&self) -> bool {
        self.has_text
    }

    /// The HTML, through the sanitiser.
    pub fn finish(self) -> String {
        sanitize::narrative_html(&self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_loses_controls() {
        let mut h = Html::default();
        h.wrap("p", |h| h.text("<script>alert(1)</script> & \u{202E}gm 005\u{0007}"));
        assert!(h.has_text());
        assert_eq!(h.finish(), "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; gm 005</p>");
        let mut empty = Html::default();
        empty.wrap_all(&["ul", "li"], |h| h.text("  \n"));
        assert!(!empty.has_text());
    }
}
