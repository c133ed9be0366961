// The EHR launch: fhirclient reads iss and launch from the address, discovers the
// server's SMART configuration, and sends the browser to its authorization endpoint
// (with PKCE S256, which the workspace requires).
"use strict";
FHIR.oauth2
  .authorize({
    clientId: "fallrisiko",
    scope: "launch openid fhirUser patient/Patient.r patient/Condition.rs patient/MedicationStatement.rs patient/Observation.crs",
    redirectUri: "app.html",
    pkceMode: "required",
  })
  .catch((error) => {
    document.getElementById("status").textContent = "Kunne ikke starte: " + error.message;
  });
