/**
 * The test's side of the IPC stub: a handler table per test, every call recorded, and
 * Channel messages pushed into the page. Install it on a page before the app loads.
 *
 *   const ipc = new IpcStub({ current_clinician: () => wardNurse, ... });
 *   await ipc.install(page);
 *   ipc.set('open_patient', async ({ onPart }, ctx) => { await ctx.channel(onPart).send(event); return statuses; });
 *   throw appError('access_basis_required', '…')   // inside a handler: the command rejects
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { AccessRequest } from '../../src/lib/bindings/AccessRequest';
import type { AppError } from '../../src/lib/bindings/AppError';
import type { AppInfo } from '../../src/lib/bindings/AppInfo';
import type { Clinician } from '../../src/lib/bindings/Clinician';
import type { ConflictChoice } from '../../src/lib/bindings/ConflictChoice';
import type { DocumentView } from '../../src/lib/bindings/DocumentView';
import type { ErrorCode } from '../../src/lib/bindings/ErrorCode';
import type { LayoutItem } from '../../src/lib/bindings/LayoutItem';
import type { OfflineStatus } from '../../src/lib/bindings/OfflineStatus';
import type { OutboxItem } from '../../src/lib/bindings/OutboxItem';
import type { OverviewEvent } from '../../src/lib/bindings/OverviewEvent';
import type { PatientSignals } from '../../src/lib/bindings/PatientSignals';
import type { PatientTarget } from '../../src/lib/bindings/PatientTarget';
import type { SourceStatus } from '../../src/lib/bindings/SourceStatus';
import type { SyncProgress } from '../../src/lib/bindings/SyncProgress';
import type { SyncReport } from '../../src/lib/bindings/SyncReport';
import type { VitalsEntry } from '../../src/lib/bindings/VitalsEntry';
import type { VitalsHistory } from '../../src/lib/bindings/VitalsHistory';
import type { VitalsPeriod } from '../../src/lib/bindings/VitalsPeriod';
import type { Worklist } from '../../src/lib/bindings/Worklist';
import type { UpdateStatus } from '../../src/lib/bindings/UpdateStatus';
import type { WorkspaceLayout } from '../../src/lib/bindings/WorkspaceLayout';
import type { WriteReceipt } from '../../src/lib/bindings/WriteReceipt';

/**
 * A Channel argument as it crosses the IPC: the string `__CHANNEL__:<callback id>`,
 * branded with its message type so `ctx.channel(args.onPart).send(…)` is type-checked.
 */
export type ChannelRef<Message> = string & { readonly __message?: Message };

type Cmd<Args, Result> = { args: Args; result: Result };
type NoArgs = Record<string, never>;

/** Every command in src/lib/api.ts: its arguments (as sent) and its answer. */
export interface Commands {
  app_info: Cmd<NoArgs, AppInfo>;
  sign_in: Cmd<{ again: boolean }, Clinician>;
  cancel_sign_in: Cmd<NoArgs, null>;
  current_clinician: Cmd<NoArgs, Clinician | null>;
  worklist: Cmd<NoArgs, Worklist>;
  worklist_signals: Cmd<NoArgs, PatientSignals[]>;
  open_patient: Cmd<
    { target: PatientTarget; access: AccessRequest | null; onPart: ChannelRef<OverviewEvent> },
    SourceStatus[]
  >;
  vitals_history: Cmd<{ period: VitalsPeriod }, VitalsHistory>;
  open_document: Cmd<{ id: number }, DocumentView>;
  lock_session: Cmd<NoArgs, null>;
  sign_out: Cmd<NoArgs, null>;
  sign_out_discarding: Cmd<NoArgs, null>;
  offline_status: Cmd<NoArgs, OfflineStatus>;
  sync_worklist: Cmd<{ onProgress: ChannelRef<SyncProgress> }, SyncReport>;
  cancel_sync: Cmd<NoArgs, null>;
  record_vitals: Cmd<{ patientRef: string; vitals: VitalsEntry }, WriteReceipt>;
  record_note: Cmd<{ patientRef: string; text: string }, WriteReceipt>;
  complete_task: Cmd<{ patientRef: string; taskId: string }, WriteReceipt>;
  complete_visit: Cmd<{ visitId: string }, WriteReceipt>;
  prepare_patient: Cmd<{ patientRef: string }, null>;
  outbox: Cmd<NoArgs, OutboxItem[]>;
  retry_write: Cmd<{ id: number }, null>;
  discard_write: Cmd<{ id: number }, null>;
  resolve_conflict: Cmd<{ id: number; choice: ConflictChoice }, null>;
  recreate_cache: Cmd<NoArgs, null>;
  layout: Cmd<NoArgs, WorkspaceLayout>;
  save_layout: Cmd<{ items: LayoutItem[] }, WorkspaceLayout>;
  reset_layout: Cmd<NoArgs, WorkspaceLayout>;
  update_status: Cmd<NoArgs, UpdateStatus>;
  install_update: Cmd<NoArgs, null>;
}

export type Command = keyof Commands;
export type ArgsOf<C extends Command> = Commands[C]['args'];
export type ResultOf<C extends Command> = Commands[C]['result'];

export interface StubChannel<Message> {
  /** Delivers one message (in order) and waits until the page has handled it. */
  send(message: Message): Promise<void>;
  /** Tells the page the backend dropped the channel. */
  end(): Promise<void>;
}

export interface HandlerContext {
  channel<Message>(ref: ChannelRef<Message>): StubChannel<Message>;
}

export type Handler<C extends Command> = (args: ArgsOf<C>, ctx: HandlerContext) => ResultOf<C> | Promise<ResultOf<C>>;

export type Handlers = { [C in Command]?: Handler<C> };

export interface RecordedCall {
  cmd: string;
  args: Record<string, unknown>;
}

/** Throw this from a handler: the command rejects with the AppError, as the backend's do. */
export function appError(code: ErrorCode, detail = ''): AppError {
  return { code, detail };
}

/** What a handler throws that is not an AppError: a bug in the test, reported as one. */
export class StubError extends Error {}

const STUB_SCRIPT = fileURLToPath(new URL('./ipc-stub.js', import.meta.url));
const CHANNEL_PREFIX = '__CHANNEL__:';

/** The values a command answers with, as serde would send them (bigint → number). */
function toWire(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

function isAppError(value: unknown): value is AppError {
  return typeof value === 'object' && value !== null && 'code' in value && 'detail' in value;
}

type Reply = { ok: true; value: unknown } | { ok: false; error: AppError };

/**
 * Exposes the binding the in-page stub calls and adds the stub as an init script, once
 * per page; each call goes to whichever stub `current` returns (a page may be reused
 * by several tests, each with its own stub).
 */
export async function installIpcBridge(page: Page, current: () => IpcStub | null): Promise<void> {
  await page.exposeFunction('__arbeidsflateIpc', (cmd: string, args: Record<string, unknown>): Promise<Reply> => {
    const stub = current();
    if (!stub) return Promise.resolve({ ok: false, error: appError('internal', 'ipc stub: no test running') });
    return stub.handle(cmd, args);
  });
  await page.addInitScript({ path: STUB_SCRIPT });
}

export class IpcStub {
  readonly calls: RecordedCall[] = [];
  /** Commands the app called that no handler answers (they reject with `internal`). */
  readonly unhandled: string[] = [];
  /** Handlers that threw something other than an AppError: bugs in a test. */
  readonly errors: unknown[] = [];
  private readonly handlers: Map<string, Handler<Command>>;
  private readonly channelIndex = new Map<number, number>();
  private page: Page | null = null;
  private waiters: { match: (call: RecordedCall) => boolean; resolve: (call: RecordedCall) => void }[] = [];

  constructor(handlers: Handlers = {}) {
    this.handlers = new Map(Object.entries(handlers) as [string, Handler<Command>][]);
  }

  /** Puts the stub in the page; call before the first `page.goto`. */
  async install(page: Page): Promise<void> {
    await installIpcBridge(page, () => this);
    this.bind(page);
  }

  /** The page this stub answers for (where Channel messages go). */
  bind(page: Page): void {
    this.page = page;
  }

  /** Replaces (or adds) the handler for one command from now on. */
  set<C extends Command>(cmd: C, handler: Handler<C>): this {
    this.handlers.set(cmd, handler as unknown as Handler<Command>);
    return this;
  }

  /** The arguments of every call to `cmd` so far, in order. */
  callsTo<C extends Command>(cmd: C): ArgsOf<C>[] {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args as ArgsOf<C>);
  }

  /** Every command called so far, in order. */
  commands(): string[] {
    return this.calls.map((c) => c.cmd);
  }

  /** Resolves with the next call of `cmd` (or the first recorded one that matches). */
  waitForCall<C extends Command>(
    cmd: C,
    predicate: (args: ArgsOf<C>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<ArgsOf<C>> {
    const match = (call: RecordedCall): boolean => call.cmd === cmd && predicate(call.args as ArgsOf<C>);
    const seen = this.calls.find(match);
    if (seen) return Promise.resolve(seen.args as ArgsOf<C>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no call to ${cmd} within ${timeoutMs} ms; calls: ${this.commands().join(', ')}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (call: RecordedCall) => {
          clearTimeout(timer);
          resolve(call.args as ArgsOf<C>);
        },
      };
      this.waiters.push(waiter);
    });
  }

  channel<Message>(ref: ChannelRef<Message>): StubChannel<Message> {
    if (typeof ref !== 'string' || !ref.startsWith(CHANNEL_PREFIX)) {
      throw new StubError(`not a channel argument: ${JSON.stringify(ref)}`);
    }
    const id = Number(ref.slice(CHANNEL_PREFIX.length));
    const deliver = async (data: { index: number; message?: unknown; end?: true }): Promise<void> => {
      const page = this.page;
      if (!page) throw new StubError('stub not installed');
      await page.evaluate(
        ([channelId, payload]) => {
          const w = window as unknown as { __arbeidsflateDeliver: (id: number, data: unknown) => void };
          w.__arbeidsflateDeliver(channelId, payload);
        },
        [id, data] as const,
      );
    };
    const nextIndex = (): number => {
      const index = this.channelIndex.get(id) ?? 0;
      this.channelIndex.set(id, index + 1);
      return index;
    };
    return {
      send: (message) => deliver({ index: nextIndex(), message: toWire(message) }),
      end: () => deliver({ index: nextIndex(), end: true }),
    };
  }

  /** Answers one call from the page: records it, runs its handler. */
  async handle(cmd: string, args: Record<string, unknown>): Promise<Reply> {
    const call = { cmd, args };
    this.calls.push(call);
    for (const w of this.waiters.filter((w) => w.match(call))) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(call);
    }
    const handler = this.handlers.get(cmd);
    if (!handler) {
      this.unhandled.push(cmd);
      return { ok: false, error: appError('internal', `ipc stub: no handler for "${cmd}"`) };
    }
    try {
      const ctx: HandlerContext = { channel: (ref) => this.channel(ref) };
      return { ok: true, value: toWire(await handler(args as never, ctx)) };
    } catch (e) {
      if (isAppError(e)) return { ok: false, error: { code: e.code, detail: e.detail } };
      this.errors.push(e);
      return { ok: false, error: appError('internal', `ipc stub: handler for "${cmd}" threw: ${String(e)}`) };
    }
  }
}
