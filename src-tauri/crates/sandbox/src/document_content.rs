//! The bytes of the sandbox's shared documents, in the three formats document
//! sharing delivers: a PDF lab report (one real page of text, so a viewer has
//! something to draw), a CDA discharge summary and a KITH XML discharge summary.
//! All text is synthetic; the patient's number appears only where the formats carry
//! it (CDA `recordTarget`, KITH `Patient/OffId`).

/// Where a row's columns start, in points from the page's left edge.
const COLUMNS: [i32; 3] = [56, 200, 330];

/// A one-page PDF with a heading and rows of text in Helvetica (WinAnsi encoding),
/// each row's cells in columns; its cross-reference table computed from the
/// objects' real offsets.
pub fn pdf(title: &str, rows: &[&[&str]]) -> Vec<u8> {
    let mut content = format!("BT /F1 16 Tf 56 780 Td ({}) Tj ET\n", pdf_string(title)).into_bytes();
    for (i, row) in rows.iter().enumerate() {
        let y = 744 - 20 * i as i32;
        for (cell, x) in row.iter().zip(COLUMNS) {
            content.extend_from_slice(format!("BT /F1 11 Tf {x} {y} Td ({}) Tj ET\n", pdf_string(cell)).as_bytes());
        }
    }
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec(),
        [format!("<< /Length {} >>\nstream\n", content.len()).into_bytes(), content, b"\nendstream".to_vec()].concat(),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// A PDF string literal's inside; bytes above ASCII written as octal escapes so the
/// content stream stays ASCII.
fn pdf_string(text: &str) -> String {
    win_ansi(text)
        .into_iter()
        .map(|b| match b {
            b'(' | b')' | b'\\' => format!("\\{}", b as char),
            b if b.is_ascii() => (b as char).to_string(),
            b => format!("\\{b:03o}"),
        })
        .collect()
}

/// Latin-1 as bytes, the en dash at its WinAnsi place, anything else a question mark.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '–' => 0x96,
            c if (c as u32) < 0x100 => c as u8,
            _ => b'?',
        })
        .collect()
}

/// A discharge summary in HL7 CDA with a narrative of paragraphs, a list and a table.
pub fn cda(title: &str, nin: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>{title}</title>
<recordTarget><patientRole><id root="2.16.578.1.12.4.1.4.1" extension="{nin}"/></patientRole></recordTarget>
<component><structuredBody>
<component><section><title>Årsak til innleggelse</title><text><paragraph>Innlagt med feber og redusert allmenntilstand. <content styleCode="Bold">Syntetisk epikrise for opplæring.</content></paragraph></text></section></component>
<component><section><title>Forløp</title><text><paragraph>Behandlet med intravenøs antibiotika i tre døgn, deretter peroral behandling.</paragraph>
<list listType="ordered"><item>Feberfri fra dag to</item><item>Mobilisert med rullator</item></list></text></section></component>
<component><section><title>Prøvesvar ved utreise</title><text><table><thead><tr><th>Analyse</th><th>Svar</th><th>Referanse</th></tr></thead>
<tbody><tr><td>CRP</td><td>18 mg/L</td><td>&lt; 5</td></tr><tr><td>Hemoglobin</td><td>12,1 g/dL</td><td>11,7–15,3</td></tr></tbody></table></text></section></component>
<component><section><title>Videre oppfølging</title><text><paragraph>Kontroll av CRP hos fastlege om en uke. Sykepleier følger opp væskeinntak.</paragraph></text></section></component>
</structuredBody></component></ClinicalDocument>
"#
    )
    .into_bytes()
}

/// A discharge summary as a KITH XML message (Epikrise 1.2 in its message shape):
/// headed free text, an information item, results and a medication.
pub fn kith_epikrise(nin: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Message xmlns="http://www.kith.no/xmlstds/epikrise/2012-02-15">
<Type V="EPIKRISE" DN="Epikrise"/><MIGversion>v1.2 2012-02-15</MIGversion>
<ServRprt><MsgDescr V="1" DN="Epikrise fra geriatrisk poliklinikk"/>
<ServProvider><HCP><Inst><Name>Sandvik sykehus (syntetisk)</Name></Inst></HCP></ServProvider>
<Patient><OffId>{nin}</OffId><TypeOffId V="FNR"/>
<ResultItem><ClinInv><Id V="NPU02319" DN="Hemoglobin"/></ClinInv><NumResult><ArithmeticValue V="11,4" U="g/dL"/></NumResult><DevResultInd><Deviating V="L" DN="Lav"/></DevResultInd></ResultItem>
<ResultItem><ClinInv><Id V="NPU19748" DN="CRP"/></ClinInv><NumResult><ArithmeticValue V="9" U="mg/L"/></NumResult><DevResultInd><Deviating V="H" DN="Høy"/></DevResultInd></ResultItem>
</Patient>
<Comment><Heading V="AH" DN="Årsak til henvisning"/><TextResultValue>Vurdering av falltendens og kognitiv svikt.</TextResultValue></Comment>
<InfItem><Type V="ANAM" DN="Sykehistorie"/><Observation><Description>Bor alene med hjemmetjenester to ganger daglig. To fall siste måned.</Description></Observation></InfItem>
<Comment><Heading V="VU" DN="Vurdering"/><TextResultValue>Lett kognitiv svikt. Fallrisiko knyttet til ortostatisk blodtrykksfall.</TextResultValue></Comment>
<Medication><DrugId><MedicinalProduct V="1" DN="Paracetamol 500 mg tablett"/></DrugId><DosageText>1 tablett inntil 4 ganger daglig ved behov</DosageText></Medication>
<Comment><Heading V="VO" DN="Videre oppfølging"/><TextResultValue>Hjemmesykepleien måler blodtrykk liggende og stående ukentlig.</TextResultValue></Comment>
</ServRprt></Message>
"#
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pdf_cross_reference_points_at_its_objects() {
        let bytes =
            pdf("Laboratoriesvar (syntetisk)", &[&["CRP", "4 mg/L"], &["Hemoglobin", "12,8 g/dL", "11,7–15,3"]]);
        let at = bytes.windows(10).rposition(|w| w == b"startxref\n").unwrap();
        let startxref: usize = String::from_utf8_lossy(&bytes[at + 10..]).lines().next().unwrap().parse().unwrap();
        assert!(bytes[startxref..].starts_with(b"xref\n"));
        let table = String::from_utf8_lossy(&bytes[startxref..]).into_owned();
        for (i, line) in table.lines().skip(3).take(5).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(bytes[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
        }
        assert!(bytes.windows(13).any(|w| w == b"\\(syntetisk\\)"), "parentheses are escaped");
        assert!(bytes.windows(4).any(|w| w == b"\\226"), "the en dash is WinAnsi 0x96, escaped");
    }

    /// The UI's viewer tests draw the sandbox's own lab report; this keeps their copy
    /// the same bytes (`UPDATE_FIXTURES=1` rewrites it).
    #[test]
    fn the_ui_tests_pdf_is_the_sandbox_lab_report() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../ui/tests/fixtures/lab-report.pdf");
        let current = crate::pjd::lab_report();
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(path, &current).unwrap();
        }
        assert_eq!(std::fs::read(path).unwrap(), current, "run with UPDATE_FIXTURES=1");
    }
}
