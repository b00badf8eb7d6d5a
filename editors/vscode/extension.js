// VS Code client for cxdsl: starts `cxdsl lsp` (stdio) for .cxj files.
//
// Settings: `cxdsl.path` (the executable, default `cxdsl` on PATH), `cxdsl.args` (arguments
// placed before `lsp`), `cxdsl.trace.server` (read by the language client itself).
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

const CLIENT_ID = 'cxdsl';
const CLIENT_NAME = 'cxdsl language server';

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

function serverCommand() {
  const config = vscode.workspace.getConfiguration('cxdsl');
  const command = (config.get('path') || 'cxdsl').trim() || 'cxdsl';
  const extra = config.get('args') || [];
  return { command, args: [...extra, 'lsp'] };
}

function makeClient() {
  const { command, args } = serverCommand();
  const executable = { command, args, transport: TransportKind.stdio };
  const serverOptions = { run: executable, debug: executable };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'cxj' },
      { scheme: 'untitled', language: 'cxj' },
    ],
    synchronize: {
      // Imported journeys change the diagnostics of the files that import them.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.cxj'),
    },
    outputChannel: output,
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}

async function startClient() {
  client = makeClient();
  try {
    await client.start();
  } catch (err) {
    const { command } = serverCommand();
    const choice = await vscode.window.showErrorMessage(
      `cxdsl: could not start \`${command} lsp\` (${err && err.message ? err.message : err}). ` +
        'Install the cxdsl Python package, or set "cxdsl.path" to its executable.',
      'Open Settings',
    );
    if (choice === 'Open Settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'cxdsl.path');
    }
  }
}

async function stopClient() {
  if (!client) {
    return;
  }
  const old = client;
  client = undefined;
  try {
    await old.stop();
  } catch (_err) {
    // A server that never started cannot be stopped; nothing is left to clean up.
  }
}

async function restartClient() {
  await stopClient();
  await startClient();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('cxdsl.restartServer', restartClient),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('cxdsl.path') || event.affectsConfiguration('cxdsl.args')) {
        restartClient();
      }
    }),
  );
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
