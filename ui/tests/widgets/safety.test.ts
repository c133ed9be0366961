/** Text from the sources is shown as text: markup in it never becomes elements. */
import { describe, expect, it } from 'vitest';
import AllergyList from '../../src/components/patient/AllergyList.svelte';
import CarePanel from '../../src/components/patient/CarePanel.svelte';
import DocumentList from '../../src/components/patient/DocumentList.svelte';
import MedicationList from '../../src/components/patient/MedicationList.svelte';
import PatientBanner from '../../src/components/patient/PatientBanner.svelte';
import ProblemList from '../../src/components/patient/ProblemList.svelte';
import WarningList from '../../src/components/patient/WarningList.svelte';
import { HOSTILE, patientRecord, sourceStatus } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

function hostileRecord() {
  const r = patientRecord(wardWorklist().entries[0]!);
  r.banner.name = HOSTILE;
  r.person.address = { kind: 'shown', text: HOSTILE };
  r.warnings[0]!.text = HOSTILE;
  r.warnings[0]!.provenance = { ...r.warnings[0]!.provenance, source: HOSTILE };
  r.allergies[0]!.allergy.substance = HOSTILE;
  r.allergies[0]!.allergy.reaction = HOSTILE;
  r.medications[0]!.medication.dosage = HOSTILE;
  r.retrievals[1]!.error_code = HOSTILE;
  r.care.tasks[0]!.description = HOSTILE;
  r.care.conditions[0]!.text = HOSTILE;
  r.documents.items[0]!.title = HOSTILE;
  r.documents.items[0]!.author = HOSTILE;
  return r;
}

describe('hostile strings', () => {
  it('are shown as text in every list and in the banner', () => {
    const rec = hostileRecord();
    const alerted: string[] = [];
    const original = window.alert;
    window.alert = (msg?: unknown) => void alerted.push(String(msg));
    try {
      const views = [
        render(PatientBanner, { banner: rec.banner, person: rec.person, headingId: 'h' }),
        render(WarningList, { warnings: rec.warnings }),
        render(AllergyList, {
          allergies: rec.allergies,
          critical: sourceStatus('kjernejournal', { state: 'fresh' }),
          onElevate: () => {},
        }),
        render(MedicationList, { medications: rec.medications, retrievals: rec.retrievals, list: undefined }),
        render(CarePanel, { care: rec.care, onComplete: () => Promise.resolve() }),
        render(DocumentList, { documents: rec.documents, sharing: undefined }),
        render(ProblemList, { conditions: rec.care.conditions }),
      ];
      for (const view of views) {
        expect(view.target.querySelector('img'), view.target.innerHTML.slice(0, 80)).toBeNull();
        expect(textOf(view.target)).toContain(HOSTILE);
      }
      expect(textOf(views[0]!.get('patient-name'))).toBe(HOSTILE);
      // Attribute values are escaped too (the task button's accessible name).
      expect(views[4]!.all('task-complete')[0]?.getAttribute('aria-label')).toBe(`Marker «${HOSTILE}» som utført`);
      expect(document.querySelector('img')).toBeNull();
    } finally {
      window.alert = original;
    }
    expect(alerted).toEqual([]);
  });
});
