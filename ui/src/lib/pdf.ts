/**
 * PDF documents drawn in the app with pdf.js, loaded only when a PDF is opened so
 * the workspace's own bundle stays small. The document arrives as bytes from the
 * backend (never a URL); pdf.js runs with eval off and without its scripting
 * sandbox or annotation layer, so nothing in a PDF can run or link anywhere.
 */
import type { PDFDocumentProxy } from 'pdfjs-dist';

export interface PdfDocument {
  readonly pageCount: number;
  /** Draws page `n` (1-based) into the canvas at `scale` (1 = 72 dpi CSS pixels). */
  render(n: number, canvas: HTMLCanvasElement, scale: number): Promise<void>;
  /** The page's natural width in CSS pixels at scale 1. */
  pageWidth(n: number): Promise<number>;
  /** The page's text, for the text version and screen readers. */
  text(n: number): Promise<string>;
  close(): Promise<void>;
}

/** More pages than this are not drawn (a shared document is a report, not a book). */
export const MAX_PAGES = 100;

/** Standard base64 (as the backend sends) to bytes. */
export function fromBase64(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function library(): Promise<typeof import('pdfjs-dist')> {
  const [pdfjs, worker] = await Promise.all([
    import('pdfjs-dist'),
    import('pdfjs-dist/build/pdf.worker.min.mjs?url'),
  ]);
  if (!pdfjs.GlobalWorkerOptions.workerSrc) pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  return pdfjs;
}

export async function openPdf(bytes: Uint8Array): Promise<PdfDocument> {
  const pdfjs = await library();
  const doc: PDFDocumentProxy = await pdfjs.getDocument({
    data: bytes,
    isEvalSupported: false,
    enableXfa: false,
    // Fonts the PDF does not embed are drawn with the system's; nothing is fetched.
    disableFontFace: false,
    useSystemFonts: true,
    stopAtErrors: false,
  }).promise;
  return {
    pageCount: Math.min(doc.numPages, MAX_PAGES),
    async render(n, canvas, scale) {
      const page = await doc.getPage(n);
      const ratio = window.devicePixelRatio || 1;
      const viewport = page.getViewport({ scale: scale * ratio });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
      canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
      await page.render({ canvas, viewport, annotationMode: pdfjs.AnnotationMode.DISABLE }).promise;
    },
    async pageWidth(n) {
      const page = await doc.getPage(n);
      return page.getViewport({ scale: 1 }).width;
    },
    async text(n) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      return content.items
        .map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : ''))
        .join('')
        .replace(/[ \t]+\n/g, '\n')
        .trim();
    },
    close: () => doc.destroy(),
  };
}
