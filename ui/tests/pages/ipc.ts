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
import type { AppError } from '../../src/lib/bindings/AppError';
import type { Commands as WireCommands } from '../../src/lib/commands.generated';
import type { ErrorCode } from '../../src/lib/bindings/ErrorCode';

/**
 * A Channel argument as it crosses the IPC: the string `__CHANNEL__:<callback id>`,
 * branded with its message type so `ctx.channel(args.onPart).send(…)` is type-checked.
 */
export type ChannelRef<Message> = string & { readonly __message?: Message };

/** A channel argument's type as the stub receives it: its reference string. */
type AsReceived<Args> = {
  [K in keyof Args]: Args[K] extends { onmessage: (message: infer Message) => void } ? ChannelRef<Message> : Args[K];
};

/** Every command (generated from the Rust commands): its arguments as received and its answer. */
export type Commands = {
  [C in keyof WireCommands]: { args: AsReceived<WireCommands[C]['args']>; result: WireCommands[C]['result'] };
};

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
