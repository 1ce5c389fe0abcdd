/**
 * Entry point of the milestone-lsp VS Code extension.
 *
 * The extension is a thin client: it finds a Python, starts the bundled (or installed) server,
 * forwards settings, and exposes the server's commands in the palette and its workspace progress
 * in the status bar. All language logic is in the Python server.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { fetchWorkspaceProgress, insertTemplate, recomputeProgress, showUntitled, statusReport } from './commands';
import { HistoryPanel } from './history';
import { onPythonInterpreterChanged } from './interpreter';
import { RULE_SCHEME, RulePages, explainRule } from './rules';
import { CLIENT_NAME, SHOW_LENS_SUMMARY, pushSettings, startServer } from './server';
import { SECTION, affectsServerProcess } from './settings';
import { ProgressStatusBar } from './statusBar';

let client: LanguageClient | undefined;
// Starts and stops run one after another: a settings change during a start must not race it.
let lifecycle: Promise<unknown> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const outputChannel = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    const statusBar = new ProgressStatusBar('milestoneLsp.workspaceProgress');
    const historyPanel = new HistoryPanel(outputChannel);
    context.subscriptions.push(outputChannel, statusBar, historyPanel);
    outputChannel.info(`milestone-lsp extension ${context.extension.packageJSON.version} activating`);

    const restart = (why: string): Promise<unknown> => {
        lifecycle = lifecycle.catch(() => undefined).then(async () => {
            outputChannel.info(`(Re)starting the server: ${why}`);
            await stopClient(statusBar);
            const result = await startServer(context, outputChannel);
            if (result.kind === 'started') {
                client = result.client;
                statusBar.setClient(client);
            }
        });
        return lifecycle;
    };

    const withClient =
        (run: (c: LanguageClient, ...args: any[]) => Promise<void>) =>
        async (...args: any[]): Promise<void> => {
            await lifecycle;
            if (!client || !client.isRunning()) {
                const choice = await vscode.window.showErrorMessage(
                    'milestone-lsp: the server is not running.',
                    'Restart Server',
                    'Show Log',
                );
                if (choice === 'Restart Server') {
                    await restart('requested from a command');
                } else if (choice === 'Show Log') {
                    outputChannel.show();
                }
                return;
            }
            await run(client, ...args);
        };

    context.subscriptions.push(
        vscode.commands.registerCommand('milestoneLsp.restartServer', () => restart('Restart Server command')),
        vscode.commands.registerCommand('milestoneLsp.showLog', () => outputChannel.show()),
        vscode.commands.registerCommand(
            'milestoneLsp.statusReport',
            withClient((c, milestone?: string) => statusReport(c, milestone)),
        ),
        vscode.commands.registerCommand('milestoneLsp.recomputeProgress', withClient((c) => recomputeProgress(c))),
        vscode.commands.registerCommand('milestoneLsp.insertTemplate', withClient((c, kind) => insertTemplate(c, kind))),
        vscode.commands.registerCommand('milestoneLsp.progressHistory', withClient((c) => historyPanel.show(c))),
        vscode.commands.registerCommand('milestoneLsp.explainRule', withClient((c, rule?: string) => explainRule(c, rule))),
        vscode.workspace.registerTextDocumentContentProvider(RULE_SCHEME, new RulePages(() => client)),
        vscode.commands.registerCommand(SHOW_LENS_SUMMARY, showLensSummary),
        vscode.commands.registerCommand(
            'milestoneLsp.workspaceProgress',
            withClient(async (c) => {
                const progress = await fetchWorkspaceProgress(c);
                if (progress) {
                    await showUntitled(progress.text);
                    void statusBar.refresh();
                } else {
                    void vscode.window.showErrorMessage('milestone-lsp: could not compute the workspace progress; see the log.');
                }
            }),
        ),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (affectsServerProcess(event)) {
                void restart('interpreter settings changed');
            } else if (event.affectsConfiguration(SECTION) && client?.isRunning()) {
                void pushSettings(client, context).then(() => statusBar.schedule());
            }
        }),
        { dispose: () => void stopClient(statusBar) },
    );

    const pythonWatcher = await onPythonInterpreterChanged(() => void restart('the Python extension changed interpreter'));
    if (pythonWatcher) {
        context.subscriptions.push(pythonWatcher);
    }

    // Not awaited: activation should not wait for a Python probe and a server start.
    void restart('activation');
}

export async function deactivate(): Promise<void> {
    await lifecycle.catch(() => undefined);
    if (client) {
        await client.stop().catch(() => undefined);
        client = undefined;
    }
}

/** A progress lens was clicked: show the hover of its position, as pointing there would. */
async function showLensSummary(uri: string, position: { line: number; character: number }): Promise<void> {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
    const at = new vscode.Position(position.line, position.character);
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at));
    await vscode.commands.executeCommand('editor.action.showHover');
}

async function stopClient(statusBar: ProgressStatusBar): Promise<void> {
    statusBar.setClient(undefined);
    const old = client;
    client = undefined;
    if (old) {
        // stop() sends shutdown/exit and waits; dispose() also frees the client's registrations.
        await old.dispose(2000).catch(() => undefined);
    }
}
