// Unit tests of extension.js with stand-ins for the `vscode` API and the language client:
// which command it starts, how settings change it, restart, and a server that will not start.
// Run with `node --test test/` from editors/vscode.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const Module = require('node:module');
const path = require('node:path');

const EXTENSION = path.join(__dirname, '..', 'extension.js');

function setup({ settings = {}, startFails = false, errorChoice = undefined } = {}) {
  const seen = {
    clients: [],
    commands: {},
    errors: [],
    executed: [],
    onConfig: undefined,
  };

  class FakeLanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions });
      this.started = 0;
      this.stopped = 0;
      seen.clients.push(this);
    }

    async start() {
      this.started += 1;
      if (startFails) {
        throw new Error('spawn cxdsl ENOENT');
      }
    }

    async stop() {
      this.stopped += 1;
    }
  }

  const vscode = {
    workspace: {
      getConfiguration: (section) => ({ get: (key) => settings[`${section}.${key}`] }),
      createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
      onDidChangeConfiguration: (listener) => {
        seen.onConfig = listener;
        return { dispose() {} };
      },
    },
    window: {
      createOutputChannel: (name) => ({ name, appendLine() {}, dispose() {} }),
      showErrorMessage: async (message, ...items) => {
        seen.errors.push({ message, items });
        return errorChoice;
      },
    },
    commands: {
      registerCommand: (id, handler) => {
        seen.commands[id] = handler;
        return { dispose() {} };
      },
      executeCommand: async (...args) => {
        seen.executed.push(args);
      },
    },
  };
  const languageClient = {
    LanguageClient: FakeLanguageClient,
    TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 },
  };

  const originalLoad = Module._load;
  Module._load = function load(request, parent, isMain) {
    if (request === 'vscode') {
      return vscode;
    }
    if (request === 'vscode-languageclient/node') {
      return languageClient;
    }
    return originalLoad.call(this, request, parent, isMain);
  };
  delete require.cache[require.resolve(EXTENSION)];
  let extension;
  try {
    extension = require(EXTENSION);
  } finally {
    Module._load = originalLoad;
  }
  const context = { subscriptions: [] };
  return { extension, context, seen };
}

test('starts `cxdsl lsp` over stdio for cxj documents', async () => {
  const { extension, context, seen } = setup();
  await extension.activate(context);
  assert.equal(seen.clients.length, 1);
  const client = seen.clients[0];
  assert.equal(client.id, 'cxdsl');
  assert.deepEqual(client.serverOptions.run, { command: 'cxdsl', args: ['lsp'], transport: 0 });
  assert.deepEqual(client.serverOptions.debug, client.serverOptions.run);
  assert.deepEqual(client.clientOptions.documentSelector, [
    { scheme: 'file', language: 'cxj' },
    { scheme: 'untitled', language: 'cxj' },
  ]);
  assert.equal(client.clientOptions.synchronize.fileEvents.glob, '**/*.cxj');
  assert.equal(client.started, 1);
  assert.ok(seen.commands['cxdsl.restartServer']);
  assert.ok(context.subscriptions.length >= 3);
  assert.deepEqual(seen.errors, []);
});

test('cxdsl.path and cxdsl.args choose the server command', async () => {
  const { extension, context, seen } = setup({
    settings: { 'cxdsl.path': '/opt/venv/bin/python', 'cxdsl.args': ['-m', 'cxdsl'] },
  });
  await extension.activate(context);
  const run = seen.clients[0].serverOptions.run;
  assert.equal(run.command, '/opt/venv/bin/python');
  assert.deepEqual(run.args, ['-m', 'cxdsl', 'lsp']);
});

test('a blank cxdsl.path falls back to cxdsl on PATH', async () => {
  const { extension, context, seen } = setup({ settings: { 'cxdsl.path': '   ' } });
  await extension.activate(context);
  assert.equal(seen.clients[0].serverOptions.run.command, 'cxdsl');
});

test('the restart command stops the server and starts a new one', async () => {
  const { extension, context, seen } = setup();
  await extension.activate(context);
  await seen.commands['cxdsl.restartServer']();
  assert.equal(seen.clients.length, 2);
  assert.equal(seen.clients[0].stopped, 1);
  assert.equal(seen.clients[1].started, 1);
});

test('changing cxdsl.path restarts the server; other settings do not', async () => {
  const { extension, context, seen } = setup();
  await extension.activate(context);
  await seen.onConfig({ affectsConfiguration: (key) => key === 'editor.tabSize' });
  assert.equal(seen.clients.length, 1);
  await seen.onConfig({ affectsConfiguration: (key) => key === 'cxdsl.path' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.clients.length, 2);
  assert.equal(seen.clients[0].stopped, 1);
});

test('a server that cannot start is reported, pointing at the setting', async () => {
  const { extension, context, seen } = setup({ startFails: true, errorChoice: 'Open Settings' });
  await extension.activate(context);
  assert.equal(seen.errors.length, 1);
  assert.match(seen.errors[0].message, /cxdsl lsp/);
  assert.match(seen.errors[0].message, /cxdsl\.path/);
  assert.match(seen.errors[0].message, /ENOENT/);
  assert.deepEqual(seen.executed, [['workbench.action.openSettings', 'cxdsl.path']]);
});

test('deactivate stops the running server', async () => {
  const { extension, context, seen } = setup();
  await extension.activate(context);
  await extension.deactivate();
  assert.equal(seen.clients[0].stopped, 1);
  await extension.deactivate();
  assert.equal(seen.clients[0].stopped, 1);
});
