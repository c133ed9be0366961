import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import DocumentList from '../../src/components/patient/DocumentList.svelte';
import PdfViewer from '../../src/components/patient/PdfViewer.svelte';
import { api } from '../../src/lib/api';
import type { DocumentView } from '../../src/lib/bindings/DocumentView';
import labReportUrl from '../fixtures/lab-report.pdf?url';
import { patientRecord, sourceStatus } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const documents = () => patientRecord(wardWorklist().entries[0]!).documents;

/** The sandbox's lab report (kept identical by a sandbox test), as the backend sends it. */
async function labReport(): Promise<string> {
  const bytes = new Uint8Array(await (await fetch(labReportUrl)).arrayBuffer());
  return btoa(String.fromCharCode(...bytes));
}

/** How many of the canvas's pixels are not white: something was drawn. */
function inkedPixels(canvas: HTMLCanvasElement): number {
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) inked++;
  return inked;
}

async function openWith(view: DocumentView) {
  const open = vi.spyOn(api, 'openDocument').mockResolvedValue(view);
  const r = render(DocumentList, { documents: documents(), sharing: sourceStatus('documents', { state: 'fresh' }) });
  const button = r.get('open-document');
  await userEvent.click(button);
  expect(open).toHaveBeenCalledWith(0);
  await expect.poll(() => document.querySelector('[data-testid="document-viewer"]')).not.toBeNull();
  return { r, button, viewer: document.querySelector<HTMLElement>('[data-testid="document-viewer"]')! };
}

afterEach(() => vi.restoreAllMocks());

describe('The document viewer', () => {
  it('shows a structured document’s sections as the backend built them, over the workspace', async () => {
    const { viewer, button } = await openWith({
      kind: 'structured',
      title: 'Epikrise',
      format: 'kith',
      sections: [
        { title: 'Sykehistorie', html: '<p>Innlagt med <b>dyspné</b>.</p>' },
        { title: 'Undersøkelsesresultater', html: '<table><tbody><tr><td>CRP</td><td>9 mg/L</td></tr></tbody></table>' },
      ],
    });
    expect(viewer.getAttribute('role')).toBe('dialog');
    expect(viewer.getAttribute('aria-modal')).toBe('true');
    expect(viewer.dataset.format).toBe('kith');
    expect(textOf(viewer)).toContain('KITH-melding');
    const sections = [...viewer.querySelectorAll('[data-testid="document-section"]')];
    expect(sections.map((s) => textOf(s.querySelector('h3')))).toEqual(['Sykehistorie', 'Undersøkelsesresultater']);
    expect(sections[0]!.querySelector('b')?.textContent).toBe('dyspné');
    expect([...sections[1]!.querySelectorAll('td')].map(textOf)).toEqual(['CRP', '9 mg/L']);

    // Focus starts on close; Escape closes and gives focus back to the button.
    expect(document.activeElement?.getAttribute('data-testid')).toBe('document-close');
    await userEvent.keyboard('{Escape}');
    await expect.poll(() => document.querySelector('[data-testid="document-viewer"]')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('says so when a structured document has nothing to show', async () => {
    const { viewer } = await openWith({ kind: 'structured', title: 'Tomt', format: 'cda', sections: [] });
    expect(textOf(viewer)).toContain('Dokumentet har ikke noe innhold som kan vises.');
  });

  it('draws a PDF in the app, zooms it, and gives its text', async () => {
    const { viewer } = await openWith({ kind: 'pdf', title: 'Laboratoriesvar', data: await labReport() });
    // The viewer loads with pdf.js, after the dialog is up (slow on a busy machine).
    await expect.poll(() => viewer.querySelector('[data-testid="pdf-viewer"]'), { timeout: 10_000 }).not.toBeNull();
    const pdf = viewer.querySelector<HTMLElement>('[data-testid="pdf-viewer"]')!;
    await expect.poll(() => pdf.dataset.drawn, { timeout: 10_000 }).toBe('1');
    const canvas = pdf.querySelector<HTMLCanvasElement>('[data-testid="pdf-page"]')!;
    expect(inkedPixels(canvas)).toBeGreaterThan(200);
    expect(textOf(pdf.querySelector('[data-testid="pdf-status"]'))).toBe('1 side(r)');
    expect(textOf(pdf.querySelector('figcaption'))).toBe('Side 1 av 1');

    const fitted = canvas.width;
    const zoom = () => textOf(pdf.querySelector('[data-testid="pdf-zoom"]'));
    const fittedZoom = zoom();
    await userEvent.click(pdf.querySelector<HTMLElement>('[data-testid="pdf-zoom-in"]')!);
    await expect.poll(() => canvas.width).toBeGreaterThan(fitted);
    expect(zoom()).not.toBe(fittedZoom);
    expect(pdf.querySelector('[data-testid="pdf-fit"]')?.getAttribute('aria-pressed')).toBe('false');
    await userEvent.click(pdf.querySelector<HTMLElement>('[data-testid="pdf-fit"]')!);
    await expect.poll(() => canvas.width).toBe(fitted);

    const text = pdf.querySelector<HTMLDetailsElement>('[data-testid="pdf-text"]')!;
    await userEvent.click(text.querySelector('summary')!);
    await expect.poll(() => textOf(text)).toContain('CRP');
    expect(textOf(text)).toContain('Hemoglobin');
  });

  it('shows a clear error, not a blank page, for a PDF that cannot be read', async () => {
    const r = render(PdfViewer, { data: btoa('%PDF-1.4\nnot really a pdf') });
    await expect.poll(() => r.query('pdf-error'), { timeout: 10_000 }).not.toBeNull();
    expect(r.get('pdf-error').dataset.errorCode).toBe('document_unavailable');
    expect(r.query('pdf-page')).toBeNull();
  });
});
