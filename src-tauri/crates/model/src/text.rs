//! What may be shown as text. A display string loses control characters and
//! bidirectional overrides (which can make a name or a dose read differently than it
//! is) and is length-limited. Every adapter cleans what a source sends with it, and the
//! workspace cleans what a user types (an access reason, a note) the same way.

/// Longest display string shown; more is cut with an ellipsis.
pub const MAX_TEXT: usize = 2000;

/// A display string made safe to show as text.
pub fn clean(input: &str) -> String {
    let cleaned: String = input
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let collapsed = cleaned.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > MAX_TEXT {
        let cut: String = collapsed.chars().take(MAX_TEXT - 1).collect();
        format!("{cut}…")
    } else {
        collapsed
    }
}

/// Text whose line breaks mean something (a note): each line made safe as [`clean`],
/// runs of blank lines reduced to one, the whole cut at `MAX_TEXT` characters.
pub fn clean_lines(input: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in input.replace("\r\n", "\n").split(['\n', '\r']) {
        let line = clean(line);
        if !(line.is_empty() && lines.last().is_none_or(|l| l.is_empty())) {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let joined = lines.join("\n");
    if joined.chars().count() > MAX_TEXT {
        let cut: String = joined.chars().take(MAX_TEXT - 1).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// Unicode bidirectional embedding, override and isolate controls.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_strings_lose_controls_and_bidi_overrides() {
        assert_eq!(clean("Paracetamol\u{202E}gm 005\u{202C} tablett"), "Paracetamolgm 005 tablett");
        assert_eq!(clean("  to\tlinjer\nher\u{0007} "), "to linjer her");
        assert_eq!(
            clean("<script>alert(1)</script>"),
            "<script>alert(1)</script>",
            "text stays text; the UI escapes it"
        );
        let long = "a".repeat(MAX_TEXT + 50);
        assert_eq!(clean(&long).chars().count(), MAX_TEXT);
    }

    #[test]
    fn lines_keep_its_lines_and_nothing_else() {
        assert_eq!(clean_lines("Sov godt.\r\n\n\n\nSpiste\u{202E} lite\u{0007}\n  \n"), "Sov godt.\n\nSpiste lite");
        assert_eq!(clean_lines(&"a\n".repeat(MAX_TEXT)).chars().count(), MAX_TEXT);
    }
}
