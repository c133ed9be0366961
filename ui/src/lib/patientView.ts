/**
 * The patient view assembled from the backend's parts. Each part replaces its slice;
 * nothing here merges or judges clinical content (the backend did that), so the UI
 * shows exactly what the sources said, source by source.
 */
import type { AccessGrant } from './bindings/AccessGrant';
import type { CareActivity } from './bindings/CareActivity';
import type { CareTask } from './bindings/CareTask';
import type { CardsLeftOut } from './bindings/CardsLeftOut';
import type { CdsServiceStatus } from './bindings/CdsServiceStatus';
import type { Condition } from './bindings/Condition';
import type { DecisionCard } from './bindings/DecisionCard';
import type { DocumentSummary } from './bindings/DocumentSummary';
import type { GpDetails } from './bindings/GpDetails';
import type { IdentityWarning } from './bindings/IdentityWarning';
import type { MergedAllergy } from './bindings/MergedAllergy';
import type { MergedMedication } from './bindings/MergedMedication';
import type { News2 } from './bindings/News2';
import type { OverviewEvent } from './bindings/OverviewEvent';
import type { OverviewPart } from './bindings/OverviewPart';
import type { PartFailure } from './bindings/PartFailure';
import type { PatientBanner } from './bindings/PatientBanner';
import type { PlatformPart } from './bindings/PlatformPart';
import type { PatientWarning } from './bindings/PatientWarning';
import type { PersonDetails } from './bindings/PersonDetails';
import type { RegisterRetrieval } from './bindings/RegisterRetrieval';
import type { SourceKind } from './bindings/SourceKind';
import type { SourceStatus } from './bindings/SourceStatus';
import type { Unreadable } from './bindings/Unreadable';
import type { HomeSeries } from './bindings/HomeSeries';
import type { Medication } from './bindings/Medication';
import type { NursingNote } from './bindings/NursingNote';
import type { Visit } from './bindings/Visit';
import type { VitalSign } from './bindings/VitalSign';

/** One decision-support service's latest word on the patient. */
export interface ServiceCards {
  status: CdsServiceStatus;
  cards: DecisionCard[];
  leftOut: CardsLeftOut[];
}

export interface PatientView {
  patientRef: string | null;
  access: AccessGrant | null;
  sources: SourceStatus[];
  banner: PatientBanner | null;
  person: PersonDetails | null;
  /** The GP register's answer; null until it answered (see its source status for why). */
  gp: GpDetails | null;
  /** The sources disagree on who the patient is (null while they agree). */
  identity: IdentityWarning | null;
  warnings: PatientWarning[];
  allergies: MergedAllergy[];
  medications: MergedMedication[];
  retrievals: RegisterRetrieval[];
  /** Earlier versions from the national list, newest first. */
  medicationHistory: Medication[];
  vitals: { latest: VitalSign[]; news2: News2 } | null;
  care: { conditions: Condition[]; activities: CareActivity[]; tasks: CareTask[] } | null;
  documents: { items: DocumentSummary[]; hidden: number } | null;
  /** Visits around today; null until the platform answered. */
  visits: Visit[] | null;
  /** Recent nursing notes, newest first; null until the platform answered. */
  notes: NursingNote[] | null;
  /** Home measurements by kind; null until the platform answered. */
  home: HomeSeries[] | null;
  /** Per platform list, the records that could not be shown (by reason). */
  unreadable: Partial<Record<PlatformPart, Unreadable[]>>;
  /** When each source's last status left the backend (Unix ms), for time-to-screen. */
  emittedAt: Partial<Record<SourceKind, number>>;
  /** Each decision-support service heard of, in the order first heard. */
  decisionSupport: ServiceCards[];
}

export function emptyView(): PatientView {
  return {
    patientRef: null,
    access: null,
    sources: [],
    banner: null,
    person: null,
    gp: null,
    identity: null,
    warnings: [],
    allergies: [],
    medications: [],
    retrievals: [],
    medicationHistory: [],
    vitals: null,
    care: null,
    documents: null,
    visits: null,
    notes: null,
    home: null,
    unreadable: {},
    emittedAt: {},
    decisionSupport: [],
  };
}

/** Applies one source's answer to the view, in place (the view is a Svelte state proxy). */
export function applyEvent(view: PatientView, event: OverviewEvent): void {
  for (const part of event.parts) applyPart(view, part, event.emitted_at_ms);
}

function applyPart(view: PatientView, part: OverviewPart, emittedAt: number): void {
  switch (part.part) {
    case 'opened':
      // A second opening in one call (the platform went out of reach while asking, and
      // the view comes from the offline cache instead) starts the view afresh.
      if (view.patientRef !== null) Object.assign(view, emptyView());
      view.patientRef = part.patient_ref;
      view.access = part.access;
      view.sources = part.sources;
      break;
    case 'status': {
      const i = view.sources.findIndex((s) => s.source === part.status.source);
      if (i >= 0) view.sources[i] = part.status;
      else view.sources.push(part.status);
      view.emittedAt[part.status.source] = emittedAt;
      break;
    }
    case 'banner':
      view.banner = part.banner;
      break;
    case 'person':
      view.person = part.person;
      break;
    case 'general_practitioner':
      view.gp = part.gp;
      break;
    case 'identity':
      view.identity = part.warning;
      break;
    case 'allergies':
      view.allergies = part.items;
      break;
    case 'medications':
      view.medications = part.items;
      view.retrievals = part.retrievals;
      view.medicationHistory = part.history;
      break;
    case 'vitals':
      view.vitals = { latest: part.latest, news2: part.news2 };
      break;
    case 'warnings':
      view.warnings = part.items;
      break;
    case 'care':
      view.care = { conditions: part.conditions, activities: part.activities, tasks: part.tasks };
      break;
    case 'documents':
      view.documents = { items: part.items, hidden: part.hidden };
      break;
    case 'visits':
      view.visits = part.items;
      break;
    case 'notes':
      view.notes = part.items;
      break;
    case 'home_measurements':
      view.home = part.series;
      break;
    case 'unreadable':
      view.unreadable[part.list] = part.records;
      break;
    case 'decision_support': {
      const i = view.decisionSupport.findIndex((d) => d.status.service_id === part.status.service_id);
      const answer = { status: part.status, cards: part.cards, leftOut: part.left_out };
      if (i < 0) view.decisionSupport.push(answer);
      // Asked again (after a write): its cards stand until its new answer replaces them.
      else if (part.status.state.state === 'waiting') view.decisionSupport[i]!.status = part.status;
      else view.decisionSupport[i] = answer;
      break;
    }
  }
}

const URGENCY = { critical: 0, warning: 1, info: 2 } as const;

/** Every service's cards together: critical first, then warning, then info. */
export function allCards(view: PatientView): DecisionCard[] {
  return view.decisionSupport
    .flatMap((d) => d.cards)
    .sort((a, b) => URGENCY[a.indicator] - URGENCY[b.indicator]);
}

/** What the platform's `lists` left out, together (the care widget shows three). */
export function leftOut(view: PatientView, lists: readonly PlatformPart[]): Unreadable[] {
  return lists.flatMap((list) => view.unreadable[list] ?? []);
}

export function sourceStatus(view: PatientView, kind: SourceKind): SourceStatus | undefined {
  return view.sources.find((s) => s.source === kind);
}

/** Whether the source is still to answer. */
export function isPending(status: SourceStatus | undefined): boolean {
  return status?.state.state === 'waiting' || status?.state.state === 'slow';
}

/** The failures among `parts` when the source answered only in part (none otherwise). */
export function failedParts(status: SourceStatus | undefined, parts?: readonly PlatformPart[]): PartFailure[] {
  if (status?.state.state !== 'partial') return [];
  return status.state.failed.filter((f) => !parts || parts.includes(f.part));
}

/** Whether every one of `parts` failed: the widget has nothing of its own to show. */
export function allFailed(status: SourceStatus | undefined, parts: readonly PlatformPart[]): boolean {
  return failedParts(status, parts).length === parts.length;
}
