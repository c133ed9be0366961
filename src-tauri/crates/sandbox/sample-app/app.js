// Fallrisiko: a fall-risk assessment for nursing-home residents, as another supplier's
// app would be written against the SMART JavaScript client (fhirclient). It reads the
// patient in context, her diagnoses, medication and registered falls through the
// workspace's FHIR endpoint, and saves the score as an Observation. Text goes into the page as text only.
"use strict";

const SNOMED = "http://snomed.info/sct";
const FALL_RISK = { system: SNOMED, code: "129839007", display: "At risk for falls" };
const FALL = "1912002";
const SEDATIVES = /^N05(BA|CD|CF)/; // benzodiazepines and z-drugs
const BLOOD_PRESSURE = /^C0[23789]/; // diuretics and antihypertensives
const DEMENTIA_OR_PARKINSON = /^N0(6D|4B)/;
const ICD10 = "http://hl7.org/fhir/sid/icd-10";
// Dementia, Alzheimer's, Parkinson's, stroke and its sequelae: conditions that raise the risk.
const RISK_DIAGNOSES = /^(F0[0-3]|G30|G20|I6[34]|I69)/;

const $ = (id) => document.getElementById(id);

function yearsSince(date, now) {
  const born = new Date(date);
  let years = now.getFullYear() - born.getFullYear();
  const before = now.getMonth() < born.getMonth() || (now.getMonth() === born.getMonth() && now.getDate() < born.getDate());
  return before ? years - 1 : years;
}

function atcCodes(statement) {
  const codings = (statement.medicationCodeableConcept && statement.medicationCodeableConcept.coding) || [];
  return codings.filter((c) => c.system === "http://www.whocc.no/atc").map((c) => c.code || "");
}

function isActive(condition) {
  const codings = (condition.clinicalStatus && condition.clinicalStatus.coding) || [];
  return codings.length === 0 || codings.some((c) => c.code === "active" || c.code === "recurrence" || c.code === "relapse");
}

function icd10Codes(condition) {
  const codings = (condition.code && condition.code.coding) || [];
  return codings.filter((c) => c.system === ICD10).map((c) => c.code || "");
}

/** The score and the reasons for it, from what the record holds. */
function assess(patient, conditions, statements, falls, now) {
  const factors = [];
  const age = patient.birthDate ? yearsSince(patient.birthDate, now) : null;
  if (age !== null && age >= 90) factors.push([2, "90 år eller eldre"]);
  else if (age !== null && age >= 80) factors.push([1, "80 år eller eldre"]);
  const diagnoses = conditions.filter(isActive).flatMap(icd10Codes);
  if (diagnoses.some((c) => RISK_DIAGNOSES.test(c))) factors.push([1, "Demens, Parkinson eller hjerneslag"]);
  const active = statements.filter((s) => s.status === "active").flatMap(atcCodes);
  if (active.some((c) => SEDATIVES.test(c))) factors.push([2, "Benzodiazepin eller z-hypnotikum"]);
  if (active.some((c) => BLOOD_PRESSURE.test(c))) factors.push([1, "Blodtrykkssenkende eller vanndrivende"]);
  if (active.some((c) => DEMENTIA_OR_PARKINSON.test(c))) factors.push([1, "Legemiddel mot demens eller Parkinson"]);
  const yearAgo = new Date(now.getTime() - 365 * 24 * 3600 * 1000);
  if (falls.some((f) => new Date(f.effectiveDateTime || 0) >= yearAgo)) factors.push([2, "Fall siste år"]);
  const score = factors.reduce((sum, [points]) => sum + points, 0);
  return { score, factors, level: score >= 6 ? "høy" : score >= 3 ? "moderat" : "lav" };
}

async function applyStyle(url) {
  if (!url) return;
  try {
    const style = await (await fetch(url)).json();
    const root = document.documentElement.style;
    if (style.color_text) root.setProperty("--text", style.color_text);
    if (style.color_highlight) root.setProperty("--highlight", style.color_highlight);
    if (style.dim_border_radius) root.setProperty("--radius", style.dim_border_radius);
  } catch {
    // The workspace's look is a nicety; the app works without it.
  }
}

async function main() {
  const client = await FHIR.oauth2.ready();
  const answer = client.state.tokenResponse || {};
  await applyStyle(answer.smart_style_url);
  const patient = await client.patient.read();
  if (answer.need_patient_banner) {
    const name = (patient.name && patient.name[0]) || {};
    $("patient-name").textContent = [(name.given || []).join(" "), name.family].filter(Boolean).join(" ");
    $("patient-born").textContent = patient.birthDate ? "f. " + patient.birthDate : "";
    $("banner").hidden = false;
  }
  const [conditions, statements, falls] = await Promise.all([
    client.patient.request("Condition", { flat: true, pageLimit: 0 }),
    client.patient.request("MedicationStatement", { flat: true, pageLimit: 0 }),
    client.patient.request("Observation?code=" + encodeURIComponent(SNOMED + "|" + FALL), { flat: true, pageLimit: 0 }),
  ]);
  const result = assess(patient, conditions, statements, falls, new Date());
  $("read").textContent = `${conditions.length} diagnoser, ${statements.length} legemidler og ${falls.length} fall lest`;
  $("score").textContent = String(result.score);
  $("level").textContent = result.level + " risiko";
  for (const [points, reason] of result.factors) {
    const item = document.createElement("li");
    item.textContent = reason + " (" + points + ")";
    $("factors").append(item);
  }
  $("status").textContent = "";
  $("assessment").hidden = false;
  // Marks the frame that shows the first answers, for the workspace's launch benchmark.
  requestAnimationFrame(() => (document.body.dataset.painted = "true"));
  $("save").addEventListener("click", async () => {
    $("save").disabled = true;
    try {
      const saved = await client.create({
        resourceType: "Observation",
        status: "final",
        code: { coding: [FALL_RISK], text: "Fallrisiko" },
        subject: { reference: "Patient/" + client.patient.id },
        effectiveDateTime: new Date().toISOString(),
        valueInteger: result.score,
      });
      $("saved").textContent =
        saved && saved.resourceType === "Observation"
          ? "Lagret i journalen."
          : "Lagret i Arbeidsflates utboks; sendes når nettet er tilbake.";
    } catch (error) {
      $("saved").textContent = "Kunne ikke lagre: " + error.message;
      $("save").disabled = false;
    }
  });
}

main().catch((error) => {
  $("status").textContent = "Kunne ikke hente data: " + error.message;
});
