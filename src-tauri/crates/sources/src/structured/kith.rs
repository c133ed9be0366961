//! KITH XML messages (the Norwegian standards kept by Norsk helsenett, such as the
//! discharge summary "Epikrise" 1.2 inside a message head). What is shown is the
//! clinical content, section by section in document order: free-text comments under
//! their headings (`Comment/Heading` + `TextResultValue`), information items
//! (`InfItem/Type` + `Observation`), results (`ResultItem`) and medications. The
//! patient, sender and receiver parts are identities the app shows from its own
//! sources, so they are not repeated here.

use super::html::Html;
use super::tree::{Element, Node};
use super::{section, StructuredDocument};
use arbeidsflate_model::overview::DocumentFormat;

/// Headings by code, for messages that send a code without its display name
/// (KITH code lists 8249 and 8250 in part).
const HEADINGS: [(&str, &str); 16] = [
    ("AI", "Årsak til innleggelse"),
    ("ÅI", "Årsak til innleggelse"),
    ("AH", "Årsak til henvisning"),
    ("TS", "Sykehistorie"),
    ("ANAM", "Sykehistorie"),
    ("FU", "Funn/undersøkelsesresultat"),
    ("FUNN", "Funn/undersøkelsesresultat"),
    ("LR", "Funn/undersøkelsesresultat"),
    ("FO", "Forløp og behandling"),
    ("PROB", "Aktuell problemstilling"),
    ("VU", "Vurdering"),
    ("VO", "Videre oppfølging"),
    ("ME", "Legemiddelopplysninger"),
    ("MEDB", "Legemiddelopplysninger"),
    ("HJ", "Funksjonsnivå/hjelpetiltak"),
    ("FA", "Familie/sosialt"),
];
const RESULTS: &str = "Undersøkelsesresultater";
const MEDICATIONS: &str = "Legemiddelopplysninger";

pub fn render(root: &Element) -> StructuredDocument {
    let all = root.descendants();
    let title = all
        .iter()
        .find(|e| e.name == "MsgDescr")
        .and_then(|d| d.attr("DN").or(d.attr("V")).map(str::to_string).or_else(|| Some(d.text())))
        .filter(|t| !t.is_empty());
    // Sections in order of first appearance; parts with the same heading are joined.
    let mut sections: Vec<(String, Html)> = Vec::new();
    let mut add = |heading: String, write: &dyn Fn(&mut Html)| match sections.iter_mut().find(|(h, _)| *h == heading) {
        Some((_, html)) => write(html),
        None => {
            let mut html = Html::default();
            write(&mut html);
            sections.push((heading, html));
        }
    };
    let results: Vec<&Element> = all.iter().copied().filter(|e| e.name == "ResultItem").collect();
    let medications: Vec<&Element> = all.iter().copied().filter(|e| e.name == "Medication").collect();
    for e in &all {
        match e.name.as_str() {
            "Comment" if e.child("Heading").is_some() => {
                let heading = heading(e.child("Heading"));
                add(heading, &|h| {
                    for value in e.children_named("TextResultValue") {
                        free_text(value, h)
                    }
                });
            }
            "InfItem" if e.child("Type").is_some() => {
                add(heading(e.child("Type")), &|h| {
                    for observation in e.children_named("Observation") {
                        for part in
                            observation.elements().filter(|p| matches!(p.name.as_str(), "Description" | "Comment"))
                        {
                            h.wrap("p", |h| free_text(part, h));
                        }
                    }
                });
            }
            "ResultItem" if std::ptr::eq(*e, results[0]) => add(RESULTS.into(), &|h| result_table(&results, h)),
            "Medication" if std::ptr::eq(*e, medications[0]) => {
                add(MEDICATIONS.into(), &|h| h.wrap("ul", |h| medications.iter().for_each(|m| medication(m, h))))
            }
            _ => {}
        }
    }
    let sections = sections.into_iter().filter_map(|(heading, html)| section(Some(heading), html)).collect();
    StructuredDocument { format: DocumentFormat::Kith, title, sections }
}

/// A coded heading's display name, or its code's known name, or the code.
fn heading(coded: Option<&Element>) -> String {
    let Some(coded) = coded else { return String::new() };
    if let Some(dn) = coded.attr("DN").filter(|d| !d.trim().is_empty()) {
        return dn.trim().to_string();
    }
    let code = coded.attr("V").unwrap_or_default();
    HEADINGS.iter().find(|(c, _)| *c == code).map(|(_, name)| name.to_string()).unwrap_or_else(|| code.to_string())
}

/// Free text, which KITH allows to carry simple XHTML (paragraphs, lists, emphasis).
fn free_text(e: &Element, out: &mut Html) {
    for node in &e.children {
        match node {
            Node::Text(t) => out.text(t),
            Node::Element(child) => match child.name.as_str() {
                "p" | "ul" | "ol" | "li" | "b" | "strong" | "i" | "em" | "u" | "sub" | "sup" | "table" | "thead"
                | "tbody" | "tr" | "th" | "td" => out.wrap(&child.name, |o| free_text(child, o)),
                "br" => out.line_break(),
                "script" | "style" | "img" | "object" | "iframe" => {}
                _ => free_text(child, out),
            },
        }
    }
}

fn result_table(results: &[&Element], out: &mut Html) {
    out.wrap("table", |t| {
        t.wrap("thead", |t| {
            t.wrap("tr", |t| {
                for head in ["Undersøkelse", "Resultat", "Avvik"] {
                    t.wrap("th", |t| t.text(head));
                }
            })
        });
        t.wrap("tbody", |t| {
            for r in results {
                t.wrap("tr", |t| {
                    let investigation = r.child("ClinInv").map(|c| {
                        c.child("Id").and_then(|id| id.attr("DN")).map(str::to_string).unwrap_or_else(|| c.text())
                    });
                    t.wrap("td", |t| t.text(&investigation.unwrap_or_default()));
                    t.wrap("td", |t| match r.child("TextResultValue") {
                        Some(text) => free_text(text, t),
                        None => t.text(&numeric(r).unwrap_or_default()),
                    });
                    let deviation = r
                        .child("DevResultInd")
                        .and_then(|d| d.descendants().iter().find_map(|x| x.attr("DN").map(str::to_string)));
                    t.wrap("td", |t| t.text(&deviation.unwrap_or_default()));
                })
            }
        })
    })
}

/// A numeric result with its unit (`NumResult/ArithmeticValue@V` and `@U`).
fn numeric(result: &Element) -> Option<String> {
    let value = result.descendants().into_iter().find(|e| e.name == "ArithmeticValue")?;
    let v = value.attr("V")?;
    Some(match value.attr("U") {
        Some(unit) => format!("{v} {unit}"),
        None => v.to_string(),
    })
}

fn medication(m: &Element, out: &mut Html) {
    let all = m.descendants();
    // The most specific name the message gives.
    let drug = ["MedicinalProduct", "DrugId", "Drug"].iter().find_map(|name| {
        let e = all.iter().find(|e| e.name == *name)?;
        Some(e.attr("DN").map(str::to_string).unwrap_or_else(|| e.text())).filter(|t| !t.is_empty())
    });
    let dosage = m.child("DosageText").map(Element::text).filter(|t| !t.is_empty());
    let comment = m.child("Comment").map(Element::text).filter(|t| !t.is_empty());
    out.wrap("li", |li| {
        li.wrap("strong", |s| s.text(&drug.unwrap_or_default()));
        for extra in [dosage, comment].into_iter().flatten() {
            li.text(" — ");
            li.text(&extra);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structured::tree::parse;

    /// The shape of a KITH discharge summary: message head, patient, results,
    /// headed comments with XHTML free text, an information item and a medication.
    const EPIKRISE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
        <Message xmlns="http://www.kith.no/xmlstds/epikrise/2012-02-15" xmlns:xhtml="http://www.w3.org/1999/xhtml">
        <Type V="EPIKRISE"/><ServRprt><MsgDescr V="1" DN="Epikrise"/>
        <ServProvider><HCP><Inst><Name>Sandvik sykehus</Name></Inst></HCP></ServProvider>
        <Patient><Name>Skjult Navnesen</Name><OffId>01817012345</OffId>
          <ResultItem><ClinInv><Id V="NPU02319" DN="Hemoglobin"/></ClinInv><NumResult><ArithmeticValue V="11.2" U="g/dL"/></NumResult>
            <DevResultInd><Deviating V="L" DN="Lav"/></DevResultInd></ResultItem>
          <ResultItem><ClinInv><Id V="RTG"/>Røntgen thorax</ClinInv><TextResultValue>Ingen infiltrater.</TextResultValue></ResultItem>
        </Patient>
        <Comment><Heading V="TS" DN="Sykehistorie"/><TextResultValue><xhtml:p>Innlagt med <xhtml:b>dyspné</xhtml:b>.</xhtml:p><xhtml:script>alert(1)</xhtml:script><xhtml:img src="x" onerror="alert(2)"/></TextResultValue></Comment>
        <Comment><Heading V="VU"/><TextResultValue>Bedring.</TextResultValue></Comment>
        <InfItem><Type V="ANAM"/><Observation><Description>Tidligere frisk.</Description></Observation></InfItem>
        <Medication><DrugId><MedicinalProduct V="1" DN="Paracetamol 500 mg"/></DrugId><DosageText>1 tablett ved behov</DosageText></Medication>
        </ServRprt></Message>"#;

    #[test]
    fn headed_text_results_and_medications_become_sections_in_order() {
        let doc = render(&parse(EPIKRISE.as_bytes()).unwrap());
        assert_eq!(doc.title.as_deref(), Some("Epikrise"));
        let titles: Vec<_> = doc.sections.iter().map(|s| s.title.clone().unwrap()).collect();
        assert_eq!(titles, [RESULTS, "Sykehistorie", "Vurdering", MEDICATIONS]);
        let html = |t: &str| doc.sections.iter().find(|s| s.title.as_deref() == Some(t)).unwrap().html.clone();
        let results = html(RESULTS);
        assert!(results.contains("<td>Hemoglobin</td><td>11.2 g/dL</td><td>Lav</td>"), "{results}");
        assert!(results.contains("Røntgen thorax") && results.contains("Ingen infiltrater."), "{results}");
        let history = html("Sykehistorie");
        assert!(history.contains("<p>Innlagt med <b>dyspné</b>.</p>"), "{history}");
        assert!(history.contains("<p>Tidligere frisk.</p>"), "the ANAM item joins its heading: {history}");
        assert!(html(MEDICATIONS).contains("<strong>Paracetamol 500 mg</strong> — 1 tablett ved behov"));
        let everything: String = doc.sections.iter().map(|s| s.html.as_str()).collect();
        for bad in ["alert", "<img", "onerror", "Skjult", "01817012345", "Sandvik"] {
            assert!(!everything.contains(bad), "{bad} in {everything}");
        }
    }
}
