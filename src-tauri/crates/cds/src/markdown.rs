//! A card's `detail` is GitHub-flavoured Markdown from a service the workspace does not
//! control. It becomes HTML here, in Rust, in two steps: raw HTML in the Markdown is
//! turned into text and images into their alt text while rendering, then the HTML is
//! cut down to an allowlist (structure, emphasis, tables, and links to http(s) pages
//! that open in the system browser). Nothing is ever loaded from a service's address.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::OnceLock;

/// Longer detail than this is cut: a card is a prompt, not a document.
pub const MAX_DETAIL_CHARS: usize = 8_000;

pub fn to_safe_html(markdown: &str) -> String {
    let text: String = markdown.chars().take(MAX_DETAIL_CHARS).collect();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut in_image = 0usize;
    let events = Parser::new_ext(&text, options).filter_map(|event| match event {
        // Raw HTML is shown as the text it is, never as markup.
        Event::Html(raw) | Event::InlineHtml(raw) => (in_image == 0).then_some(Event::Text(raw)),
        // An image is never fetched: its alt text stands in its place.
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    cleaner().clean(&html).to_string()
}

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let tags: HashSet<&str> = [
            "p",
            "br",
            "hr",
            "ul",
            "ol",
            "li",
            "strong",
            "em",
            "del",
            "code",
            "pre",
            "blockquote",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "a",
        ]
        .into_iter()
        .collect();
        let mut b = ammonia::Builder::empty();
        b.tags(tags)
            .tag_attributes([("a", ["href"].into_iter().collect())].into_iter().collect())
            .url_schemes(["https", "http"].into_iter().collect())
            .url_relative(ammonia::UrlRelative::Deny)
            .link_rel(Some("noopener noreferrer"))
            .clean_content_tags(["script", "style"].into_iter().collect())
            .strip_comments(true);
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_its_structure() {
        let html = to_safe_html("**NEWS2 7**\n\n- Puls 131 (3)\n- Resp. 25 (3)\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<strong>NEWS2 7</strong>"), "{html}");
        assert!(html.contains("<li>Puls 131 (3)</li>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
    }

    const ALLOWED: &[&str] = &["p", "strong", "em", "a", "code", "pre", "ul", "li", "br"];

    /// Every element in `html` with its attributes (a small reader for this test's output:
    /// text is escaped, so each `<` starts a tag).
    fn tags_in(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        html.split('<')
            .skip(1)
            .filter(|t| !t.starts_with('/'))
            .map(|t| {
                let inside = &t[..t.find('>').unwrap()];
                let (name, mut rest) = inside.split_once(' ').unwrap_or((inside, ""));
                let mut attributes = Vec::new();
                // name="value" pairs, values quoted (as ammonia writes them).
                while let Some((n, after)) = rest.trim_start().split_once("=\"") {
                    let end = after.find('"').unwrap();
                    attributes.push((n.to_string(), after[..end].to_string()));
                    rest = &after[end + 1..];
                }
                assert!(rest.trim().is_empty(), "an attribute without a quoted value: {inside}");
                (name.to_string(), attributes)
            })
            .collect()
    }

    #[test]
    fn hostile_markdown_comes_out_harmless() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[klikk](javascript:alert(1))",
            "[klikk](data:text/html,<script>alert(1)</script>)",
            "![sporing](https://tracker.example/pixel.png)",
            "<a href=\"https://ok.example\" onclick=\"alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "[rel](/relative/path)",
            "<style>body{display:none}</style>",
        ];
        for md in cases {
            let html = to_safe_html(md);
            for (tag, attributes) in tags_in(&html) {
                assert!(ALLOWED.contains(&tag.as_str()), "{md} → {html}");
                for (name, value) in attributes {
                    assert!(name == "href" || name == "rel", "{md} → {html}");
                    if name == "href" {
                        assert!(value.starts_with("https://") || value.starts_with("http://"), "{md} → {html}");
                    }
                }
            }
        }
        // Raw HTML is shown as text, so the clinician sees what the service sent.
        assert!(to_safe_html("<b>x</b>").contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(to_safe_html("![sporingspiksel](https://t.example/p.png)").contains("sporingspiksel"));
    }

    #[test]
    fn links_to_web_pages_stay_and_open_safely() {
        let html = to_safe_html("[Retningslinje](https://www.helsedirektoratet.no/retningslinjer)");
        assert!(html.contains("href=\"https://www.helsedirektoratet.no/retningslinjer\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
    }

    #[test]
    fn very_long_detail_is_cut() {
        let html = to_safe_html(&"a".repeat(MAX_DETAIL_CHARS * 3));
        assert!(html.len() < MAX_DETAIL_CHARS + 100);
    }
}
