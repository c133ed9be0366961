// Injected into the page with Playwright's addInitScript, before any of the app's
// scripts: stands in for the Tauri runtime exactly where @tauri-apps/api/core looks
// for it (window.__TAURI_INTERNALS__). Plain browser JavaScript, no imports.
//
// invoke(cmd, args) crosses to the test (Node) through the binding the test exposed as
// window.__arbeidsflateIpc, with the arguments as JSON, as Tauri sends them: a Channel
// argument turns into "__CHANNEL__:<id>" (its toJSON). The test answers
// { ok: true, value } or { ok: false, error: AppError } and pushes Channel messages
// back through window.__arbeidsflateDeliver(id, { index, message } | { index, end }),
// the shape Tauri's runtime hands to a channel's callback.
(() => {
  'use strict';

  const callbacks = new Map();
  let nextId = 1;

  function transformCallback(callback, once = false) {
    const id = nextId++;
    callbacks.set(id, (data) => {
      if (once) callbacks.delete(id);
      return callback && callback(data);
    });
    return id;
  }

  function unregisterCallback(id) {
    callbacks.delete(id);
  }

  function runCallback(id, data) {
    const callback = callbacks.get(id);
    if (!callback) throw new Error(`ipc stub: no callback ${id}`);
    callback(data);
  }

  async function invoke(cmd, args = {}, _options) {
    const payload = JSON.parse(JSON.stringify(args ?? {}));
    const binding = window.__arbeidsflateIpc;
    if (typeof binding !== 'function') throw { code: 'internal', detail: 'ipc stub: no test binding' };
    const reply = await binding(cmd, payload);
    if (reply && reply.ok) return reply.value;
    throw reply ? reply.error : { code: 'internal', detail: 'ipc stub: empty reply' };
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback,
    unregisterCallback,
    runCallback,
    callbacks,
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
  };
  window.__arbeidsflateDeliver = runCallback;

  // tauri.conf.json sets "freezePrototype": the app must run with a frozen Object.prototype.
  Object.freeze(Object.prototype);
})();
