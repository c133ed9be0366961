import type { AccessBasis } from '../bindings/AccessBasis';
import type { AddressProtection } from '../bindings/AddressProtection';
import type { ClinicianRole } from '../bindings/ClinicianRole';
import type { Consciousness } from '../bindings/Consciousness';
import type { Disagreement } from '../bindings/Disagreement';
import type { EnvironmentKind } from '../bindings/EnvironmentKind';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { News2Parameter } from '../bindings/News2Parameter';
import type { News2Risk } from '../bindings/News2Risk';
import type { NotAvailableReason } from '../bindings/NotAvailableReason';
import type { OfflineUnavailable } from '../bindings/OfflineUnavailable';
import type { OutboxItemState } from '../bindings/OutboxState';
import type { SourceFailure } from '../bindings/SourceFailure';
import type { SourceKind } from '../bindings/SourceKind';
import type { SourceState } from '../bindings/SourceState';
import type { VitalKind } from '../bindings/VitalKind';
import type { WriteKind } from '../bindings/WriteKind';

/** Keys the catalogue must have for every value of the generated enums. */
type RequiredKeys =
  | `error.${ErrorCode}`
  | `role.${ClinicianRole}`
  | `environment.${EnvironmentKind}`
  | `vital.${VitalKind}`
  | `news2.risk.${News2Risk}`
  | `news2.param.${News2Parameter}`
  | `unit.${Exclude<VitalKind, 'consciousness'>}`
  | `source_state.${Exclude<SourceState['state'], 'failed' | 'not_available'>}`
  | `source_failure.${SourceFailure}`
  | `source_unavailable.${NotAvailableReason}`
  | `source_notice.${NotAvailableReason}`
  | `access.basis.${AccessBasis}`
  | `access.hint.${AccessBasis}`
  | `person.protected.${AddressProtection}`
  | `disagreement.${Disagreement['kind']}`
  | `source.${SourceKind}`
  | `offline_unavailable.${OfflineUnavailable}`
  | `consciousness.${Consciousness}`
  | `write.what.${WriteKind}`
  | `outbox.kind.${WriteKind}`
  | `outbox.state.${OutboxItemState}`;

/** Norwegian bokmål: the default and the source of truth for the set of keys. */
export const nb = {
  'app.name': 'Arbeidsflate',
  'app.tagline': 'Arbeidsflate for kommunal helse- og omsorgstjeneste',
  'app.loading': 'Starter …',
  'app.version': 'Versjon {version}',
  'app.skip_to_main': 'Hopp til hovedinnhold',

  'environment.sandbox': 'Sandkasse',
  'environment.test': 'Testmiljø',
  'environment.production': 'Produksjon',
  'environment.not_production': 'Ikke produksjon – bare testdata',

  'language.label': 'Språk',
  'language.nb': 'Bokmål',
  'language.nn': 'Nynorsk',
  'language.en': 'English',

  'signin.heading': 'Logg inn',
  'signin.intro': 'Logg inn med HelseID for å se arbeidslisten din.',
  'signin.button': 'Logg inn med HelseID',
  'signin.waiting': 'Fullfør påloggingen i nettleseren…',
  'signin.waiting_hint': 'Påloggingssiden er åpnet i standardnettleseren din.',
  'signin.cancel': 'Avbryt',

  'lock.heading': 'Skjermen er låst',
  'lock.idle': 'Skjermen ble låst fordi den ikke har vært i bruk på en stund.',
  'lock.signed_in_as': 'Innlogget som',
  'lock.explanation': 'Pasientopplysningene er skjult. For å låse opp må du logge inn på nytt med HelseID.',
  'lock.other_user': 'Logger en annen person inn, vises den personens egen arbeidsliste.',
  'lock.unlock': 'Lås opp med HelseID',
  'lock.sign_out': 'Logg ut',

  'header.user': 'Innlogget bruker',
  'header.hpr': 'HPR {number}',
  'header.sign_out': 'Logg ut',

  'role.nursing_home_nurse': 'Sykepleier, sykehjem',
  'role.home_care_nurse': 'Sykepleier, hjemmetjenesten',
  'role.nursing_home_doctor': 'Sykehjemslege',

  'worklist.loading': 'Henter arbeidslisten…',
  'worklist.route_heading': 'Dagens besøk {date}',
  'worklist.empty': 'Ingen pasienter på arbeidslisten.',
  'worklist.col.room': 'Rom',
  'worklist.col.name': 'Navn',
  'worklist.col.national_id': 'Fødselsnummer',
  'worklist.col.age': 'Alder',
  'worklist.col.time': 'Tid',
  'worklist.col.address': 'Adresse',
  'worklist.col.visit_reason': 'Besøk',
  'worklist.col.visit_status': 'Status',
  'worklist.visit_done': 'Utført',
  'worklist.visit_complete': 'Marker utført',
  'worklist.visit_complete_label': 'Marker besøket hos {name} kl. {time} som utført',

  'provenance.fetched': 'Kilde: {source} · hentet {fetched}',
  'provenance.updated_fetched': 'Kilde: {source} · oppdatert {updated} · hentet {fetched}',

  'patient.loading': 'Henter pasientoversikten…',
  'patient.back': 'Tilbake til arbeidslisten',
  'patient.banner': 'Pasient',
  'patient.age': '{age} år',
  'patient.national_id': 'Fødselsnummer',
  'patient.national_id_invalid': 'Ugyldig fødselsnummer – kontroller identiteten',
  'patient.synthetic': 'Syntetisk testperson',
  'patient.gender': 'Kjønn',

  'gender.male': 'Mann',
  'gender.female': 'Kvinne',
  'gender.other': 'Annet',
  'gender.unknown': 'Ukjent kjønn',

  'allergies.heading': 'Allergier',
  'allergies.empty': 'Ingen allergier registrert i kildene som har svart',
  'allergies.reaction': 'Reaksjon: {reaction}',
  'allergies.criticality.high': 'Høy kritikalitet',
  'allergies.criticality.low': 'Lav kritikalitet',
  'allergies.criticality.unable_to_assess': 'Kritikalitet ikke vurdert',

  'medications.heading': 'Legemidler',
  'medications.empty': 'Ingen legemidler registrert i kildene som har svart',
  'medications.since': 'Fra {date}',
  'medications.status.active': 'Aktiv',
  'medications.status.completed': 'Avsluttet',
  'medications.status.stopped': 'Seponert',
  'medications.status.on_hold': 'Pause',
  'medications.status.intended': 'Planlagt',
  'medications.status.not_taken': 'Ikke tatt',
  'medications.status.entered_in_error': 'Registrert ved en feil',
  'medications.status.unknown': 'Ukjent status',

  'news2.heading': 'NEWS2',
  'news2.total': 'NEWS2 {total}',
  'news2.risk.low': 'Lav risiko',
  'news2.risk.low_medium': 'Lav–middels: én parameter gir 3 poeng',
  'news2.risk.medium': 'Middels risiko',
  'news2.risk.high': 'Høy risiko',
  'news2.incomplete': 'Ufullstendig – mangler: {missing}',
  'news2.assumed_air': 'Oksygentilførsel er ikke registrert; regnet som romluft.',
  'news2.points': '{points} p',
  'news2.param.respiratory_rate': 'Respirasjonsfrekvens',
  'news2.param.spo2': 'SpO₂',
  'news2.param.supplemental_oxygen': 'Oksygentilførsel',
  'news2.param.systolic_bp': 'Systolisk blodtrykk',
  'news2.param.pulse': 'Puls',
  'news2.param.consciousness': 'Bevissthet',
  'news2.param.temperature': 'Temperatur',
  'vitals.heading': 'Siste vitale parametre',
  'vitals.empty': 'Ingen vitale parametre registrert i kommunal plattform',

  'vital.respiratory_rate': 'Respirasjonsfrekvens',
  'vital.spo2': 'Oksygenmetning',
  'vital.systolic_bp': 'Systolisk blodtrykk',
  'vital.diastolic_bp': 'Diastolisk blodtrykk',
  'vital.pulse': 'Puls',
  'vital.consciousness': 'Bevissthet (ACVPU)',
  'vital.temperature': 'Temperatur',

  'unit.respiratory_rate': 'pust/min',
  'unit.spo2': '%',
  'unit.systolic_bp': 'mmHg',
  'unit.diastolic_bp': 'mmHg',
  'unit.pulse': 'slag/min',
  'unit.temperature': '°C',

  'provenance.sources': 'Kilder',
  'provenance.author': 'Registrert av {author}',
  'provenance.recorded': 'Registrert {date}',
  'provenance.updated': 'Sist endret {date}',
  'provenance.fetched_at': 'Hentet {date}',
  'disagreement.dosage': 'Ulik dosering',
  'disagreement.status': 'Ulik status',
  'disagreement.criticality': 'Ulik kritikalitet',
  'disagreement.detail': '{source}: «{value}» – {other_source}: «{other_value}»',
  'source_notice.reserved': '{source}: Pasienten har reservert seg mot kjernejournal. Det finnes ingen opplysninger herfra – det betyr ikke at pasienten ikke har allergier.',
  'source_notice.restricted': '{source}: Pasienten har sperret opplysninger. De kan bare åpnes med forhøyet tilgangsgrunnlag.',
  'source_notice.not_cached': '{source}: Ikke lagret for frakoblet bruk.',
  'source_notice.not_registered': '{source}: Pasienten er ikke registrert her.',
  'source_notice.failed': '{source} svarte ikke. Listen under kan derfor være ufullstendig.',
  'source_notice.waiting': 'Venter på {source} …',
  'medications.register_failed': '{register} svarte ikke (feilkode {code}). Listen kan være ufullstendig.',
  'medications.register_read': '{register} lest {date}',
  'sources.heading': 'Kilder for pasientoversikten',
  'sources.fetched': 'hentet {time}',
  'source_state.waiting': 'Henter …',
  'source_state.slow': 'Treg – venter fortsatt',
  'source_state.fresh': 'Oppdatert',
  'source_state.cached': 'Lagret',
  'source_state.not_configured': 'Ikke satt opp',
  'source_failure.timed_out': 'Svarte ikke i tide',
  'source_failure.unreachable': 'Utilgjengelig',
  'source_failure.refused': 'Avviste forespørselen',
  'source_failure.service_error': 'Feil i tjenesten',
  'source_failure.malformed': 'Uleselig svar',
  'source_failure.session_expired': 'Innloggingen er utløpt',
  'source_unavailable.reserved': 'Reservert',
  'source_unavailable.restricted': 'Sperret',
  'source_unavailable.not_cached': 'Ikke lagret',
  'source_unavailable.not_registered': 'Ikke registrert',
  'access.heading': 'Grunnlag for oppslag',
  'access.heading_elevated': 'Forhøyet tilgang',
  'access.intro': 'Pasienten er ikke på arbeidslisten din. Oppgi grunnlaget for å slå opp pasienten. Oppslaget logges.',
  'access.intro_elevated': 'Pasienten har sperret opplysninger. Oppgi grunnlaget for å åpne dem. Oppslaget logges.',
  'access.basis': 'Tilgangsgrunnlag',
  'access.basis.unntak': 'Behandlingsrelasjon',
  'access.basis.samtykke': 'Samtykke fra pasienten',
  'access.basis.akutt': 'Nødtilgang',
  'access.basis.forhoyet_samtykke': 'Forhøyet samtykke',
  'access.basis.forhoyet_akutt': 'Forhøyet nødtilgang',
  'access.hint.unntak': 'Du yter helsehjelp til pasienten.',
  'access.hint.samtykke': 'Pasienten har samtykket til oppslaget.',
  'access.hint.akutt': 'Akutt helsehjelp der samtykke ikke kan innhentes. Krever begrunnelse.',
  'access.hint.forhoyet_samtykke': 'Pasienten har samtykket til at sperrede opplysninger åpnes.',
  'access.hint.forhoyet_akutt': 'Akutt helsehjelp krever sperrede opplysninger. Krever begrunnelse.',
  'access.reason': 'Begrunnelse',
  'access.reason_hint': 'Skriv hvorfor nødtilgang er nødvendig. Begrunnelsen lagres i tilgangsloggen.',
  'access.confirm': 'Slå opp',
  'access.cancel': 'Avbryt',
  'access.elevate': 'Åpne med forhøyet tilgang',
  'access.emergency_marker': 'NØDTILGANG',
  'access.since': 'fra {time}',
  'access.reason_shown': 'Begrunnelse: {reason}',
  'access.from_worklist': 'Tilgang: behandlingsrelasjon (arbeidslisten)',
  'documents.heading': 'Dokumenter',
  'documents.hidden': '{count} dokument(er) er skjult etter pasientens ønske.',
  'documents.empty': 'Ingen delte dokumenter.',
  'documents.open': 'Åpne',
  'documents.unsafe': 'Dokumentet har en usikker adresse og kan ikke åpnes.',
  'documents.external': 'Dokumentet er åpnet i PDF-visningen på maskinen.',
  'documents.close': 'Lukk',
  'person.protected.client_address': 'Klientadresse',
  'person.protected.confidential': 'Fortrolig adresse – vises ikke',
  'person.protected.strictly_confidential': 'Strengt fortrolig adresse – vises ikke',
  'person.deceased': 'Død {date}',
  'lookup.label': 'Slå opp pasient',
  'lookup.button': 'Slå opp',
  'lookup.hint': 'Fødselsnummer (11 siffer)',
  'vitals.loading': 'Henter vitale parametre …',

  'care.heading': 'Pleie og oppfølging',
  'care.tasks': 'Oppgaver',
  'care.tasks_empty': 'Ingen åpne oppgaver.',
  'care.conditions': 'Problemliste',
  'care.conditions_empty': 'Ingen aktive diagnoser registrert.',
  'care.activities': 'Tiltaksplan',
  'care.activities_empty': 'Ingen aktive tiltak.',
  'care.since': 'Fra {date}',

  'warnings.heading': 'Varsler',

  'time.just_now': 'akkurat nå',

  'offline.heading': 'Frakoblet bruk',
  'offline.online': 'Tilkoblet',
  'offline.offline': 'Frakoblet – viser lagrede data',
  'offline.last_sync': 'Sist forberedt {time} ({age})',
  'offline.never_synced': 'Ikke forberedt for frakoblet bruk',
  'offline.unsent': '{count} venter på sending',
  'offline.all_sent': 'Alt er sendt',
  'offline.failed': '{count} avvist',
  'offline.conflicts': '{count} i konflikt',
  'offline.unavailable': 'Frakoblet bruk er ikke mulig: {reason}',
  'offline_unavailable.no_keyring': 'maskinen har ingen åpen nøkkelring, så pasientdata kan ikke lagres trygt her.',
  'offline_unavailable.disabled': 'det er slått av for denne installasjonen.',
  'offline_unavailable.unreadable': 'det lokale lageret på maskinen kan ikke leses.',
  'offline_unavailable.in_use': 'Arbeidsflate er allerede åpen i et annet vindu.',
  'offline_unavailable.failed': 'det lokale lageret kunne ikke åpnes.',
  'offline.recreated': 'Det lokale lageret måtte lages på nytt.',
  'offline.recreate': 'Lag nytt lokalt lager',
  'offline.recreate_title': 'Lage nytt lokalt lager?',
  'offline.recreate_warning': 'Det gamle lageret kan ikke leses. Registreringer som ikke er sendt derfra, går tapt og må føres på nytt.',
  'offline.recreate_confirm': 'Lag nytt lager',

  'sync.heading': 'Frakoblet bruk',
  'sync.start': 'Forbered for frakoblet bruk',
  'sync.hint': 'Lagrer pasientene på arbeidslisten din kryptert på maskinen, så du kan se dem og registrere uten nett.',
  'sync.starting': 'Starter forberedelsen …',
  'sync.progress': 'Forbereder: {done} av {total} pasienter',
  'sync.progress_source': 'Henter fra {source}',
  'sync.cancel': 'Avbryt',
  'sync.done': 'Klar for frakoblet bruk: {patients} pasienter lagret på {duration}.',
  'sync.cancelled': 'Avbrutt. {patients} pasienter ble lagret, og det som ble lagret beholdes.',
  'sync.partial': '{count} oppslag svarte ikke; det som var lagret fra før for dem, beholdes.',
  'sync.offline': 'Frakoblet – pasientene kan forberedes når nettet er tilbake. Det som er lagret fra før, beholdes.',

  'source.municipal': 'Kommunal plattform',
  'source.kjernejournal': 'Kjernejournal',
  'source.medication_list': 'Pasientens legemiddelliste',
  'source.documents': 'Dokumentdeling',
  'source.person': 'Folkeregisteret',
  'sources.cached_when': 'fra {time}, {age}',
  'source_notice.cached': '{source}: lagrede data fra {time} ({age}).',

  'consciousness.alert': 'A – Våken',
  'consciousness.new_confusion': 'C – Nyoppstått forvirring',
  'consciousness.voice': 'V – Reagerer på tiltale',
  'consciousness.pain': 'P – Reagerer på smerte',
  'consciousness.unresponsive': 'U – Reagerer ikke',

  'record.vitals_heading': 'Registrer målinger',
  'record.vitals_hint': 'Fyll inn det du har målt. Tomme felt sendes ikke.',
  'record.consciousness_none': 'Ikke vurdert',
  'record.save_vitals': 'Lagre målinger',
  'record.saving': 'Lagrer …',
  'record.not_a_number': 'Skriv et tall.',
  'record.need_one': 'Fyll inn minst én måling.',
  'record.bp_both': 'Blodtrykk trenger både systolisk og diastolisk verdi.',
  'record.bp_order': 'Diastolisk må være lavere enn systolisk.',
  'record.range': 'Må være mellom {min} og {max}.',
  'record.note_heading': 'Sykepleienotat',
  'record.note_label': 'Notat',
  'record.note_count': '{count} av {max} tegn',
  'record.note_empty': 'Skriv noe i notatet først.',
  'record.note_too_long': 'Notatet kan ha høyst {max} tegn.',
  'record.blocked': 'Registrering er ikke mulig nå: {reason}',
  'record.save_note': 'Lagre notat',

  'write.what.vitals': 'Målinger',
  'write.what.note': 'Sykepleienotat',
  'write.what.task_completed': 'Oppgave utført',
  'write.what.visit_completed': 'Besøk utført',
  'write.sent': '{what}: Sendt',
  'write.queued': '{what}: Lagret – sendes når nett er tilbake',
  'write.failed': '{what}: Lagret, men plattformen avviste det. Se utboksen.',
  'write.conflict': '{what}: Lagret, men noen har endret det samme. Velg versjon i utboksen.',
  'write.refreshing': 'Oppdaterer visningen …',

  'care.complete': 'Utført',
  'care.complete_label': 'Marker «{task}» som utført',

  'task_status.requested': 'Bestilt',
  'task_status.accepted': 'Akseptert',
  'task_status.in-progress': 'Pågår',
  'task_status.completed': 'Utført',
  'task_status.cancelled': 'Avlyst',
  'task_status.on-hold': 'På vent',
  'task_status.failed': 'Mislyktes',
  'task_status.rejected': 'Avvist',

  'outbox.heading': 'Utboks',
  'outbox.intro': 'Det du har registrert, sendes til kommunal plattform så snart den svarer.',
  'outbox.empty': 'Alt er sendt. Ingenting venter.',
  'outbox.loading': 'Henter utboksen …',
  'outbox.close': 'Lukk',
  'outbox.created': 'Registrert {time}',
  'outbox.patient': 'Pasient: {name}',
  'outbox.attempts': '{count} forsøk',
  'outbox.last_error': 'Siste feil',
  'outbox.kind.vitals': 'Målinger',
  'outbox.kind.note': 'Sykepleienotat',
  'outbox.kind.task_completed': 'Oppgave utført',
  'outbox.kind.visit_completed': 'Besøk utført',
  'outbox.state.queued': 'Venter på sending',
  'outbox.state.failed': 'Avvist av plattformen',
  'outbox.state.conflict': 'Konflikt',
  'outbox.retry': 'Send nå',
  'outbox.discard': 'Forkast',
  'outbox.discard_title': 'Forkaste registreringen?',
  'outbox.discard_warning': '«{summary}» blir ikke sendt og slettes fra maskinen. Det kan ikke angres.',
  'outbox.discard_confirm': 'Forkast',
  'outbox.conflict_intro': 'Noen har endret det samme på plattformen etter at du registrerte. Velg hvilken versjon som skal gjelde.',
  'outbox.mine': 'Din endring',
  'outbox.theirs': 'På plattformen',
  'outbox.their_updated': 'Endret {time}',
  'outbox.keep_mine': 'Behold min endring',
  'outbox.take_theirs': 'Bruk plattformens',

  'signout.unsent_title': 'Noe er ikke sendt ennå',
  'signout.unsent_warning': 'Registreringer som venter på sending, slettes fra maskinen hvis du logger ut nå, og må føres på nytt.',
  'signout.unsent_count': '{count} venter på sending.',
  'signout.unsent_hint': 'Avbryt og vent til nettet er tilbake, så sendes de automatisk.',
  'signout.discard': 'Logg ut og forkast',

  'common.cancel': 'Avbryt',
  'common.retry': 'Prøv igjen',
  'common.technical_detail': 'Teknisk detalj',

  'error.not_signed_in': 'Du er ikke logget inn. Logg inn på nytt.',
  'error.session_expired': 'Økten din er utløpt. Logg inn på nytt med HelseID for å fortsette.',
  'error.locked': 'Skjermen er låst. Logg inn på nytt med HelseID for å låse opp.',
  'error.sign_in_cancelled': 'Påloggingen ble avbrutt.',
  'error.sign_in_timed_out': 'Påloggingen tok for lang tid. Prøv igjen.',
  'error.sign_in_rejected': 'Påloggingen ble avvist. Kontakt systemansvarlig hvis det fortsetter.',
  'error.service_unavailable': 'Tjenesten svarer ikke akkurat nå. Prøv igjen om litt.',
  'error.service_error': 'Tjenesten svarte med en feil. Prøv igjen, eller kontakt systemansvarlig.',
  'error.patient_not_found': 'Fant ikke pasienten.',
  'error.access_basis_required': 'Pasienten er ikke på din arbeidsliste. Oppgi grunnlaget for oppslaget.',
  'error.access_reason_required': 'Nødtilgang krever en skriftlig begrunnelse.',
  'error.document_unavailable': 'Dokumentet kan ikke åpnes.',
  'error.invalid_national_id': 'Fødselsnummeret er ugyldig.',
  'error.invalid_profile': 'Appen er feil konfigurert. Kontakt systemansvarlig.',
  'error.not_cached': 'Pasienten er ikke lagret for frakoblet bruk. Bare pasientene på arbeidslisten din lagres.',
  'error.offline_unavailable': 'Frakoblet bruk er ikke tilgjengelig på denne maskinen nå.',
  'error.unsent_writes': 'Noe av det du har registrert er ikke sendt ennå. Bekreft om det skal forkastes.',
  'error.invalid_input': 'En av verdiene er ikke gyldig. Sjekk det du skrev.',
  'error.already_running': 'Arbeidsflate kjører allerede på denne maskinen. Bruk vinduet som er åpent.',
  'error.disk_full': 'Disken er full. Det du lagret ble ikke lagret – ingenting annet er endret. Frigjør plass og prøv igjen.',
  'error.keyring_unavailable': 'Får ikke tilgang til nøkkelringen på maskinen. Kontakt systemansvarlig.',
  'error.internal': 'Noe gikk galt. Prøv igjen, eller kontakt systemansvarlig.',
} satisfies Record<RequiredKeys, string> & Record<string, string>;

export type MessageKey = keyof typeof nb;

/** Every other catalogue must have exactly nb's keys (missing or extra keys fail type checking). */
export type Catalogue = Record<MessageKey, string>;
