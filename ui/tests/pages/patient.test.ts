import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OverviewEvent } from '../../src/lib/bindings/OverviewEvent';
import { defaultLayout, wardNurse } from '../fixtures/app';
import { formatNin, syntheticNin } from '../fixtures/nin';
import { HOSTILE, openScript, patientRecord, SOURCE_ORDER, vitalsHistory } from '../fixtures/patient';
import { minutesAgo, NOW } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { expectAccessible } from './axe';
import { expectClean, usePages, texts, waitForScreen, type AppPage } from './harness';
import { appError } from './ipc';
import { patients, signedIn } from './scenarios';

const pages = usePages();
let app: AppPage | null = null;

const ward = wardWorklist();
const astridEntry = ward.entries[0]!;
const astrid = patientRecord(astridEntry);

/** Someone not on the ward's worklist, found by national identity number. */
const visitorNin = syntheticNin('1952-05-01', 333);
const visitor = patientRecord({
  ...astridEntry,
  patient_ref: 'pat-9001',
  name: 'Bjørn Utenforsen',
  national_id: formatNin(visitorNin),
  age: 73,
  room: null,
});

async function openAstrid(page: AppPage['page']): Promise<void> {
  await waitForScreen(page, 'worklist');
  await page.locator(`[data-testid="open-patient"][data-patient-ref="${astrid.ref}"]`).click();
}

describe('patient overview', () => {
  it('renders each source as its answer arrives over the channel', async () => {
    let release: (() => void) | null = null;
    const gate = new Promise<void>((resolve) => (release = resolve));
    app = await pages.open({
      ...signedIn(),
      vitals_history: ({ period }) => vitalsHistory(astrid, period),
      // The platform answers at once; the national services only when the test says so.
      open_patient: async ({ onPart }, ctx) => {
        const script = openScript(astrid);
        const channel = ctx.channel<OverviewEvent>(onPart);
        for (const event of script.events.slice(0, 2)) await channel.send(event);
        await gate;
        for (const event of script.events.slice(2)) await channel.send(event);
        return script.final;
      },
    });
    const { page, ipc } = app;
    await openAstrid(page);

    const call = await ipc.waitForCall('open_patient');
    expect(call.target).toEqual({ kind: 'worklist', patient_ref: astrid.ref });
    expect(call.access).toBeNull();
    expect(call.onPart).toMatch(/^__CHANNEL__:\d+$/);

    // The platform's part is on screen while Kjernejournal is still asked.
    await page.getByTestId('patient-name').waitFor();
    expect(await page.getByTestId('patient-name').innerText()).toBe(astrid.banner.name);
    const kj = page.locator('[data-testid="source-status"][data-source="kjernejournal"]');
    expect(await kj.getAttribute('data-state')).toBe('waiting');
    const allergyNotice = page.getByTestId('allergy-list').getByTestId('source-notice');
    expect(await allergyNotice.innerText()).toBe('Venter på Kjernejournal …');
    expect(await texts(page, 'allergy-item')).toHaveLength(1);
    expect(await page.getByTestId('document-list').getByTestId('document-item').count()).toBe(0);
    expect(await page.evaluate(() => document.body.dataset.screen)).toBe('loading');

    (release as (() => void) | null)?.();
    await waitForScreen(page, 'patient');
    expect(
      await page.getByTestId('source-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))),
    ).toEqual(SOURCE_ORDER.map(() => 'fresh'));
    expect(await allergyNotice.count()).toBe(0);
    expectClean(app);
  });

  it('shows every part with its source, and has no serious accessibility violations', async () => {
    app = await pages.open({ ...signedIn(), ...patients([astrid]) });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');

    // Banner, focused for keyboard and screen-reader users.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('patient-name');
    expect(await page.getByTestId('patient-nin').innerText()).toBe(astridEntry.national_id);
    expect(await page.getByTestId('patient-synthetic').isVisible()).toBe(true);
    expect(await page.getByTestId('patient-address').innerText()).toBe('Solbakkvegen 10, 9990 Sandvik');
    expect(await page.getByTestId('access-basis').innerText()).toBe('Tilgang: behandlingsrelasjon (arbeidslisten)');
    expect(await texts(page, 'patient-warning')).toEqual([
      expect.stringContaining('Fallrisiko'),
      expect.stringContaining('Dysfagi'),
    ]);

    // Allergies merged from two sources, each named.
    const allergies = page.getByTestId('allergy-item');
    expect(await allergies.count()).toBe(2);
    expect(await allergies.nth(0).getByTestId('allergy-criticality').innerText()).toBe('Høy kritikalitet');
    expect(await allergies.nth(0).getByTestId('item-source').allInnerTexts()).toEqual([
      'Kommunal plattform',
      'Kjernejournal',
    ]);

    // Medications: the sources disagree on a dose, and one register did not answer.
    expect(await page.getByTestId('medication-item').count()).toBe(2);
    expect(await page.getByTestId('disagreement').innerText()).toContain('«25 mg morgen og kveld»');
    const failedRegister = page.locator('[data-testid="register-retrieval"][data-register="Reseptformidleren"]');
    expect(await failedRegister.innerText()).toBe(
      'Reseptformidleren svarte ikke (feilkode RF-503). Listen kan være ufullstendig.',
    );

    // Vitals in NEWS2 order with NEWS2 and the measuring source.
    expect(
      await page.getByTestId('vital-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
    ).toEqual(['respiratory_rate', 'spo2', 'systolic_bp', 'diastolic_bp', 'pulse', 'consciousness', 'temperature']);
    expect(await page.getByTestId('news2-total').innerText()).toBe('NEWS2 3');
    // (Their times and sources' are in dates.test.ts.)
    expect(await page.getByTestId('vital-item').first().getByTestId('provenance').innerText()).toMatch(
      /^Kilde: Kommunal plattform · hentet /,
    );

    // Care: only open tasks can be completed.
    expect(
      await page.getByTestId('task-complete').evaluateAll((els) => els.map((e) => e.getAttribute('data-task-id'))),
    ).toEqual(['task-1', 'task-2']);
    // Documents: one can be opened, one has an unsafe address, one is hidden by the patient.
    expect(await page.getByTestId('document-item').count()).toBe(2);
    expect(await page.getByTestId('open-document').count()).toBe(1);
    expect(await page.getByTestId('documents-hidden').getAttribute('data-count')).toBe('1');
    // Nursing notes, newest first, under the form for a new one.
    expect(await texts(page, 'note-item')).toEqual([
      expect.stringContaining('Urolig på kveldsvakt.'),
      expect.stringContaining('Spiste halv porsjon'),
    ]);

    await expectAccessible(page, 'patient overview');

    // Back to the worklist: focus returns to the patient's row.
    await page.getByTestId('back-to-worklist').click();
    await waitForScreen(page, 'worklist');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-patient-ref'))).toBe(astrid.ref);
    expectClean(app);
  });

  it('shows a source that is out of reach as failed while the others render', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid], { failing: ['kjernejournal'] }),
    });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');

    const kj = page.locator('[data-testid="source-status"][data-source="kjernejournal"]');
    expect(await kj.getAttribute('data-state')).toBe('failed');
    expect(await kj.innerText()).toContain('Utilgjengelig');
    expect(await kj.getAttribute('title')).toBe('service_unavailable: connection refused');
    const notice = page.getByTestId('allergy-list').getByTestId('source-notice');
    expect(await notice.getAttribute('data-state')).toBe('failed');
    expect(await notice.innerText()).toBe('Kjernejournal svarte ikke. Listen under kan derfor være ufullstendig.');
    // What the platform knows is still shown, and never as "no allergies".
    expect(await page.getByTestId('allergy-item').count()).toBe(1);
    expect(await page.getByTestId('allergy-list').locator('.empty').count()).toBe(0);
    // The other sources render as usual.
    for (const source of ['municipal', 'medication_list', 'documents', 'person']) {
      expect(
        await page.locator(`[data-testid="source-status"][data-source="${source}"]`).getAttribute('data-state'),
      ).toBe('fresh');
    }
    expect(await page.getByTestId('vital-item').count()).toBe(7);
    expect(await page.getByTestId('document-item').count()).toBe(2);
    expect(await page.getByTestId('patient-error').count()).toBe(0);
    expectClean(app);
  });

  it('keeps the platform widgets on screen, saying why they are empty, when the platform fails', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid], { failing: ['municipal'] }),
    });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');

    // Problems, vital signs, care plan and nursing notes come only from the platform: each
    // keeps its heading and says the platform did not answer, rather than an empty panel.
    const unavailable = page.getByTestId('widget-unavailable');
    expect(await unavailable.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.widget).sort())).toEqual(
      ['care_plan', 'notes', 'problems', 'vitals'],
    );
    for (const notice of await unavailable.getByTestId('source-notice').all()) {
      expect(await notice.getAttribute('data-state')).toBe('failed');
    }
    expect(await page.getByTestId('problem-list').count()).toBe(0);
    expectClean(app);
  });

  it('shows what the platform gave when it answered only in part, and names what it did not', async () => {
    const failingParts = [
      { part: 'allergies', reason: 'timed_out' },
      { part: 'conditions', reason: 'malformed' },
      { part: 'tasks', reason: 'service_error' },
    ] as const;
    app = await pages.open({ ...signedIn(), ...patients([astrid], { failingParts: [...failingParts] }) });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');

    const platform = page.locator('[data-testid="source-status"][data-source="municipal"]');
    expect(await platform.getAttribute('data-state')).toBe('partial');
    expect(await platform.locator('.state').innerText()).toBe(
      'Delvis besvart: allergier (Svarte ikke i tide), problemer og diagnoser (Uleselig svar), oppgaver (Feil i tjenesten)',
    );
    // Allergies: Kjernejournal's are there, and the platform's missing part is said.
    const allergyNotice = page.getByTestId('allergy-list').getByTestId('part-failed');
    expect(await allergyNotice.innerText()).toBe('Kommunal plattform: allergier (Svarte ikke i tide) kunne ikke hentes.');
    expect(await page.getByTestId('allergy-item').count()).toBeGreaterThan(0);
    // Problems: nothing of their own, so the widget says why instead of "none".
    const problems = page.locator('[data-testid="widget-unavailable"][data-widget="problems"]');
    expect(await problems.getByTestId('part-failed').getAttribute('data-parts')).toBe('conditions');
    expect(await page.getByTestId('problem-list').count()).toBe(0);
    // Care: the plan's activities shown, the tasks' failure said where the tasks would be.
    const care = page.getByTestId('care-panel');
    expect(await care.getByTestId('part-failed').innerText()).toBe(
      'Kommunal plattform: oppgaver (Feil i tjenesten) kunne ikke hentes.',
    );
    expect(await care.getByTestId('task-item').count()).toBe(0);
    expect(await care.getByTestId('care-activity').count()).toBe(astrid.care.activities.length);
    // Everything else from the platform, as usual.
    expect(await page.getByTestId('patient-banner').count()).toBe(1);
    expect(await page.getByTestId('vital-item').count()).toBe(7);
    expect(await page.getByTestId('patient-warning').count()).toBe(astrid.warnings.length);
    await expectAccessible(page, 'patient with the platform partly answered');
    expectClean(app);
  });

  it('says under each list how many of its records could not be shown, and why', async () => {
    const noText = (resource_type: string, count: number) => ({ resource_type, reason: 'no_text', count }) as const;
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid], {
        unreadable: {
          allergies: [noText('AllergyIntolerance', 2)],
          tasks: [noText('Task', 1)],
          care_plans: [noText('CarePlan', 1)],
          notes: [{ resource_type: 'DocumentReference', reason: 'no_id', count: 1 }],
          medications: [],
        },
      }),
    });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    expect(await page.getByTestId('left-out-allergies').innerText()).toBe('2 kunne ikke vises: 2 uten noe å vise.');
    // The care widget's two lists are said together, by reason.
    expect(await page.getByTestId('left-out-care').innerText()).toBe('2 kunne ikke vises: 2 uten noe å vise.');
    expect(await page.getByTestId('left-out-notes').innerText()).toBe('1 kunne ikke vises: 1 uten id.');
    // Nothing left out, nothing said; the lists themselves are whole.
    expect(await page.getByTestId('left-out-medications').count()).toBe(0);
    expect(await page.getByTestId('left-out-visits').count()).toBe(0);
    expect(await page.getByTestId('allergy-item').count()).toBeGreaterThan(0);
    await expectAccessible(page, 'patient with records left out');
    expectClean(app);
  });

  it('warns at the top of the banner when the sources disagree on who the patient is', async () => {
    const number = astrid.banner.national_id;
    const identity = {
      fields: ['name', 'birth_date', 'gender'],
      claims: [
        { source: 'national_id_number', name: null, national_id: number, birth_date: '1948-04-12', gender: 'male' },
        { source: 'platform', name: 'Gunnhild Hostilesen', national_id: number, birth_date: '1940-02-03', gender: 'female' },
        { source: 'register', name: 'Asbjørn Olsen', national_id: number, birth_date: '1948-04-12', gender: 'male' },
      ],
    } as const;
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid], { identity: { fields: [...identity.fields], claims: [...identity.claims] } }),
    });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    const warning = page.getByTestId('patient-banner').getByTestId('identity-warning');
    await warning.waitFor();
    expect(await warning.getAttribute('role')).toBe('alert');
    expect(await warning.getByRole('heading').innerText()).toContain('Kildene er uenige om hvem pasienten er');
    expect(await warning.getByTestId('identity-fields').innerText()).toBe(
      'Uenige om: navn, fødselsdato, kjønn. Kontroller identiteten før du går videre.',
    );
    const platform = warning.locator('[data-testid="identity-claim"][data-source="platform"]');
    expect(await platform.locator('[data-field="name"]').innerText()).toBe('Gunnhild Hostilesen');
    expect(await platform.locator('[data-field="gender"]').innerText()).toBe('Kvinne');
    const register = warning.locator('[data-testid="identity-claim"][data-source="register"]');
    expect(await register.locator('[data-field="birth_date"]').innerText()).toBe('12.04.1948');
    expect(await register.locator('[data-field="gender"]').innerText()).toBe('Mann');
    // Before the name: the first thing read in the banner.
    const order = await page.getByTestId('patient-banner').evaluate((banner) =>
      [...banner.querySelectorAll('[data-testid="identity-warning"], [data-testid="patient-name"]')].map(
        (e) => (e as HTMLElement).dataset.testid,
      ),
    );
    expect(order).toEqual(['identity-warning', 'patient-name']);
    await expectAccessible(page, 'patient with an identity warning');
    expectClean(app);
  });

  it('shows markup from a source as text, never as elements', async () => {
    const hostile = patientRecord(astridEntry);
    hostile.warnings = [{ ...hostile.warnings[0]!, text: HOSTILE }];
    hostile.documents.items[0]!.title = HOSTILE;
    hostile.allergies[0]!.allergy.reaction = HOSTILE;
    app = await pages.open({ ...signedIn(), ...patients([hostile]) });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    expect(await page.getByTestId('patient-warning').first().innerText()).toContain(HOSTILE);
    expect(await page.getByTestId('document-item').first().locator('.title').innerText()).toBe(HOSTILE);
    expect(await page.locator('main img').count()).toBe(0);
    expectClean(app);
  });
});

describe('documents', () => {
  /** The sandbox's lab report (a sandbox test keeps this copy the same bytes). */
  const labReport = readFileSync(new URL('../fixtures/lab-report.pdf', import.meta.url)).toString('base64');

  it('draws a PDF inside the app under its CSP (pdf.js and its worker from the bundle), accessibly', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      open_document: () => ({ kind: 'pdf', title: 'Laboratoriesvar', data: labReport }),
    });
    const { page, ipc } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    await page.getByTestId('open-document').click();
    expect((await ipc.waitForCall('open_document')).id).toBe(astrid.documents.items[0]!.id);
    const viewer = page.getByTestId('document-viewer');
    await page.waitForSelector('[data-testid="pdf-viewer"][data-drawn="1"]', { timeout: 15_000 });
    const inked = await viewer.getByTestId('pdf-page').evaluate((canvas: HTMLCanvasElement) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(200);
    await expectAccessible(page, 'PDF viewer');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="document-viewer"]', { state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('open-document');
    expectClean(app);
  });

  it('shows a KITH discharge summary as sections, accessibly, in dark mode too', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      open_document: () => ({
        kind: 'structured',
        title: 'Epikrise fra geriatrisk poliklinikk',
        format: 'kith',
        sections: [
          { title: 'Vurdering', html: '<p>Lett kognitiv svikt.</p>' },
          {
            title: 'Undersøkelsesresultater',
            html: '<table><thead><tr><th>Undersøkelse</th><th>Resultat</th></tr></thead><tbody><tr><td>CRP</td><td>9 mg/L</td></tr></tbody></table>',
          },
        ],
      }),
    });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    await page.getByTestId('open-document').click();
    expect(await texts(page, 'document-section')).toEqual([
      expect.stringContaining('Lett kognitiv svikt.'),
      expect.stringContaining('CRP'),
    ]);
    await expectAccessible(page, 'KITH document');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, 'KITH document, dark');
    expectClean(app);
  });
});

describe('access basis', () => {
  it('asks for a basis for someone off the worklist and opens with the one given', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid, visitor], (_record, access) => ({
        access: access
          ? {
              basis: access.basis,
              emergency: access.basis === 'akutt',
              from_worklist: false,
              reason: access.reason,
              granted_at: minutesAgo(0),
            }
          : undefined,
      })),
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    await page.getByTestId('lookup-nin').fill(`${visitorNin.slice(0, 6)} ${visitorNin.slice(6)}`);
    await page.getByTestId('lookup-submit').click();

    await waitForScreen(page, 'access');
    expect(ipc.callsTo('open_patient')).toEqual([
      {
        target: { kind: 'national_id', national_id: visitorNin },
        access: null,
        onPart: expect.stringMatching(/^__CHANNEL__:/),
      },
    ]);
    const dialog = page.getByTestId('access-dialog');
    expect(await dialog.getByRole('heading').innerText()).toBe('Grunnlag for oppslag');
    expect(await page.getByTestId('access-confirm').isDisabled()).toBe(true);
    // Focus starts on the first choice.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('access-basis-unntak');
    // Nothing of the patient is on screen before a basis is given.
    expect(await page.getByTestId('patient-banner').count()).toBe(0);
    await expectAccessible(page, 'access-basis dialog');

    await page.getByTestId('access-basis-akutt').check();
    const reason = page.getByTestId('access-reason');
    await reason.waitFor();
    await expectAccessible(page, 'access-basis dialog with the emergency reason');
    await reason.fill('Bevisstløs i hjemmet, trenger legemiddelliste');
    await page.getByTestId('access-confirm').click();

    await waitForScreen(page, 'patient');
    expect(ipc.callsTo('open_patient')[1]).toEqual({
      target: { kind: 'national_id', national_id: visitorNin },
      access: { basis: 'akutt', reason: 'Bevisstløs i hjemmet, trenger legemiddelliste' },
      onPart: expect.stringMatching(/^__CHANNEL__:/),
    });
    const marker = page.getByTestId('emergency-access');
    expect(await marker.innerText()).toContain('NØDTILGANG');
    expect(await page.getByTestId('emergency-reason').innerText()).toBe(
      'Begrunnelse: Bevisstløs i hjemmet, trenger legemiddelliste',
    );
    expect(await page.getByTestId('patient-name').innerText()).toBe('Bjørn Utenforsen');
    // Off the worklist, nothing can be recorded for the patient.
    expect(await page.getByTestId('vitals-form').count()).toBe(0);
    expectClean(app);
  });

  it('goes back to the worklist when the clinician cancels', async () => {
    app = await pages.open({ ...signedIn(), ...patients([visitor]) });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    await page.getByTestId('lookup-nin').fill(visitorNin);
    await page.getByTestId('lookup-submit').click();
    await waitForScreen(page, 'access');
    await page.getByTestId('access-cancel').click();
    await waitForScreen(page, 'worklist');
    expect(ipc.callsTo('open_patient')).toHaveLength(1);
    expectClean(app);
  });
});

describe('apps from other suppliers', () => {
  const fallRisk = { id: 'fallrisiko', name: 'Fallrisiko', supplier: 'Eksempel AS', opens_in: 'window' as const };

  it('lists the catalogue for the role beside the overview and launches an app for the open patient', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      catalogue_apps: () => [fallRisk],
      launch_app: () => null,
    });
    const { page, ipc } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    const button = page.locator('[data-testid="launch-app"][data-app="fallrisiko"]');
    expect(await button.innerText()).toBe('Åpne Fallrisiko (eget vindu)');
    expect(await button.getAttribute('title')).toBe('Fra Eksempel AS');
    await button.click();
    await ipc.waitForCall('launch_app');
    expect(ipc.callsTo('launch_app')).toEqual([{ appId: 'fallrisiko' }]);
    await expectAccessible(page, 'patient overview with an app');
    expectClean(app);
  });

  it('places the apps as a widget like any other, naming supplier and where each opens', async () => {
    const placed = defaultLayout('nursing_home_nurse');
    placed.items = [{ widget: 'apps', size: 'small' }, ...placed.items];
    placed.customised = true;
    const inBrowser = { id: 'sykmelding', name: 'Sykmelding', supplier: 'NAV', opens_in: 'browser' as const };
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      layout: () => placed,
      catalogue_apps: () => [fallRisk, inBrowser],
      launch_app: () => null,
    });
    const { page, ipc } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    const appsWidget = page.locator('[data-testid="widget"][data-widget="apps"]');
    await appsWidget.getByTestId('apps-widget').waitFor();
    // One place to launch from: the buttons beside the overview give way to the widget.
    expect(await page.getByTestId('app-launcher').count()).toBe(0);
    expect(await appsWidget.locator('li').allInnerTexts()).toEqual([
      expect.stringMatching(/Fallrisiko\s+Fra Eksempel AS · Åpnes i eget vindu\s+Åpne Fallrisiko/),
      expect.stringMatching(/Sykmelding\s+Fra NAV · Åpnes i nettleseren\s+Åpne Sykmelding/),
    ]);
    await appsWidget.locator('[data-testid="launch-app"][data-app="sykmelding"]').click();
    await ipc.waitForCall('launch_app');
    expect(ipc.callsTo('launch_app')).toEqual([{ appId: 'sykmelding' }]);
    await expectAccessible(page, 'patient overview with the apps widget');
    expectClean(app);
  });

  it('says so when the role has no apps, and not before the catalogue is read', async () => {
    const placed = defaultLayout('nursing_home_nurse');
    placed.items = [{ widget: 'apps', size: 'small' }];
    let answer: (apps: never[]) => void = () => {};
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      layout: () => placed,
      catalogue_apps: () => new Promise<never[]>((resolve) => (answer = resolve)),
    });
    const { page, ipc } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    const appsWidget = page.locator('[data-testid="widget"][data-widget="apps"]');
    await ipc.waitForCall('catalogue_apps');
    await appsWidget.locator('[role="status"], .loading').first().waitFor();
    expect(await appsWidget.getByTestId('apps-none').count()).toBe(0);
    answer([]);
    expect(await appsWidget.getByTestId('apps-none').innerText()).toBe('Ingen apper i katalogen for din rolle.');
    expectClean(app);
  });

  it('says why an app cannot be launched and keeps the overview', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      catalogue_apps: () => [{ ...fallRisk, name: HOSTILE }],
      launch_app: () => {
        throw appError('app_not_available', 'no app for this role');
      },
    });
    const { page } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    const button = page.locator('[data-testid="launch-app"]');
    expect(await button.innerText()).toContain(HOSTILE);
    expect(await page.locator('[data-testid="app-launcher"] img, [data-testid="app-launcher"] script').count()).toBe(0);
    await button.click();
    await page.getByTestId('app-launch-error').waitFor();
    expect(await page.getByTestId('app-launch-error').innerText()).toContain('Denne appen er ikke tilgjengelig');
    expect(await page.getByTestId('patient-name').innerText()).toBe(astrid.banner.name);
  });
});

describe('screen lock', () => {
  it('locks after 15 minutes idle, hides the patient, and unlocks to the same patient', async () => {
    app = await pages.open(
      { ...signedIn(), ...patients([astrid]), lock_session: () => null, sign_in: () => wardNurse },
      { fakeClock: true },
    );
    const { page, ipc } = app;
    await openAstrid(page);
    await waitForScreen(page, 'patient');
    // This page's clock runs, from NOW.
    const started = await page.evaluate(() => Date.now());
    expect(started).toBeGreaterThanOrEqual(NOW);
    expect(started).toBeLessThan(NOW + 60_000);

    await page.clock.fastForward('15:01');
    await waitForScreen(page, 'locked');
    await ipc.waitForCall('lock_session');
    expect(await page.getByTestId('lock-reason').isVisible()).toBe(true);
    expect(await page.getByTestId('locked-clinician-name').innerText()).toBe(wardNurse.name);
    // No patient data stays in the page behind the lock.
    expect(await page.getByTestId('patient-banner').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain(astrid.banner.name);
    expect(await page.locator('body').innerText()).not.toContain(astrid.banner.national_id);
    await expectAccessible(page, 'lock screen');

    const before = ipc.callsTo('open_patient').length;
    await page.getByTestId('unlock-button').click();
    await waitForScreen(page, 'patient');
    expect(ipc.callsTo('sign_in')).toEqual([{ again: true }]);
    expect(ipc.callsTo('open_patient')).toHaveLength(before + 1);
    expect(await page.getByTestId('patient-name').innerText()).toBe(astrid.banner.name);
    expectClean(app);
  });
});
