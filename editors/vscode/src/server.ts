/**
 * Starting and stopping the language client: interpreter choice, the server command for each
 * import strategy, settings as initializationOptions and on workspace/configuration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    type LanguageClientOptions,
    RevealOutputChannelOn,
    type Executable,
} from 'vscode-languageclient/node';

import { type Interpreter, type Rejected, display, resolveInterpreter } from './interpreter';
import { linkCodesToPages } from './rules';
import {
    type ImportStrategy,
    SECTION,
    importStrategy,
    interpreterSetting,
    openSetting,
    serverSettings,
} from './settings';

export const CLIENT_ID = SECTION;
export const CLIENT_NAME = 'milestone-lsp';
/** The server's code lens command, and the editor command that shows its summary instead. */
export const SHOW_PROGRESS = 'milestone-lsp.showMilestoneProgress';
export const SHOW_LENS_SUMMARY = 'milestoneLsp.showLensSummary';

/** Where the bundled server lives inside the installed extension. */
function bundledPaths(context: vscode.ExtensionContext): { launcher: string; libs: string } {
    return {
        launcher: context.asAbsolutePath(path.join('bundled', 'tool', 'launch.py')),
        libs: context.asAbsolutePath(path.join('bundled', 'libs')),
    };
}

/** The bundled libraries are built per CPython minor version (pydantic-core is compiled). */
function bundledVersions(context: vscode.ExtensionContext): string[] {
    try {
        return fs
            .readdirSync(bundledPaths(context).libs)
            .filter((name) => /^cp3\d+$/.test(name))
            .map((name) => `3.${name.slice(3)}`)
            .sort();
    } catch {
        return [];
    }
}

function acceptFor(context: vscode.ExtensionContext, strategy: ImportStrategy) {
    return (interpreter: Interpreter): string | undefined => {
        if (strategy === 'fromEnvironment') {
            return interpreter.hasServer
                ? undefined
                : 'milestone_lsp is not installed in its environment (importStrategy is "fromEnvironment")';
        }
        const [major, minor] = interpreter.version;
        const available = bundledVersions(context);
        return available.includes(`${major}.${minor}`)
            ? undefined
            : `the bundled server is built for Python ${available.join(', ') || '(none)'}, not ${major}.${minor}; ` +
                  'pick one of those or set milestoneLsp.importStrategy to "fromEnvironment"';
    };
}

function serverOptions(
    context: vscode.ExtensionContext,
    interpreter: Interpreter,
    strategy: ImportStrategy,
    folder: vscode.WorkspaceFolder | undefined,
): Executable {
    const [command, ...prefix] = interpreter.command;
    // -I: the user's PYTHONPATH and user site-packages must not shadow the bundled libraries.
    const args =
        strategy === 'useBundled'
            ? [...prefix, '-I', bundledPaths(context).launcher]
            : [...prefix, '-m', 'milestone_lsp', 'serve'];
    return {
        command,
        args,
        options: {
            cwd: folder?.uri.fsPath,
            env: { ...process.env, PYTHONUTF8: '1', PYTHONUNBUFFERED: '1' },
        },
    };
}

function clientOptions(context: vscode.ExtensionContext, outputChannel: vscode.LogOutputChannel): LanguageClientOptions {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return {
        documentSelector: [{ scheme: 'file', language: 'markdown' }],
        outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: serverSettings(context, folder?.uri),
        middleware: {
            // Diagnostic codes open the rule's page in an editor tab (see rules.ts).
            handleDiagnostics: (uri, diagnostics, next) => next(uri, linkCodesToPages(diagnostics)),
            provideDiagnostics: async (document, previousResultId, token, next) => {
                const report = await next(document, previousResultId, token);
                if (report && 'items' in report && Array.isArray(report.items)) {
                    linkCodesToPages(report.items);
                }
                return report;
            },
            // A progress lens opens the hover of its line: the same summary, in the editor.
            provideCodeLenses: async (document, token, next) => {
                const lenses = await next(document, token);
                for (const lens of lenses ?? []) {
                    const argument = lens.command?.arguments?.[0];
                    if (lens.command?.command === SHOW_PROGRESS && argument?.position) {
                        lens.command = {
                            title: lens.command.title,
                            command: SHOW_LENS_SUMMARY,
                            arguments: [document.uri.toString(), argument.position],
                        };
                    }
                }
                return lenses;
            },
            workspace: {
                // The server pulls `milestoneLsp` per scope; answer it without the client-only keys.
                configuration: async (params, token, next) => {
                    const answers = await next(params, token);
                    if (!Array.isArray(answers)) {
                        return answers;
                    }
                    return params.items.map((item, index) => {
                        if (item.section !== SECTION) {
                            return answers[index];
                        }
                        const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : folder?.uri;
                        return serverSettings(context, scope);
                    });
                },
            },
        },
    };
}

export type StartResult =
    | { kind: 'started'; client: LanguageClient; interpreter: Interpreter; strategy: ImportStrategy }
    | { kind: 'failed'; reason: string };

/** Find an interpreter, then start the client; reports every failure with a way to fix it. */
export async function startServer(
    context: vscode.ExtensionContext,
    outputChannel: vscode.LogOutputChannel,
): Promise<StartResult> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const configured = interpreterSetting(folder?.uri);
    const strategy = importStrategy(folder?.uri);
    const resolution = await resolveInterpreter(configured, folder, acceptFor(context, strategy), outputChannel);
    if (!resolution.ok) {
        const reason = describeRejections(resolution.rejected, configured.length > 0);
        outputChannel.error(reason);
        void showCannotStart(reason, outputChannel);
        return { kind: 'failed', reason };
    }

    const { interpreter } = resolution;
    const options = serverOptions(context, interpreter, strategy, folder);
    outputChannel.info(`Starting server (${strategy}): ${display([options.command, ...(options.args ?? [])])}`);
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, options, clientOptions(context, outputChannel));
    try {
        await client.start();
    } catch (error) {
        const reason = `the server did not start: ${error instanceof Error ? error.message : String(error)}`;
        outputChannel.error(reason);
        void showCannotStart(reason, outputChannel);
        // The client may still hold a half-started process; make sure it is gone.
        await client.dispose().catch(() => undefined);
        return { kind: 'failed', reason };
    }
    return { kind: 'started', client, interpreter, strategy };
}

/** Tell the server its settings changed; it pulls the new values with workspace/configuration. */
export async function pushSettings(client: LanguageClient, context: vscode.ExtensionContext): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    await client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: serverSettings(context, folder?.uri) },
    });
}

function describeRejections(rejected: Rejected[], fromSetting: boolean): string {
    if (fromSetting && rejected.length === 1) {
        const [only] = rejected;
        return `cannot use the Python set in milestoneLsp.interpreter (${display(only.command)}): ${only.reason}.`;
    }
    const tried = rejected.map((r) => `${display(r.command)} (${r.source}): ${r.reason}`).join('; ');
    return `no suitable Python ${'\u2265'} 3.11 found. Tried ${tried || 'nothing'}. Set milestoneLsp.interpreter to one.`;
}

async function showCannotStart(reason: string, outputChannel: vscode.LogOutputChannel): Promise<void> {
    const openSettings = 'Open Settings';
    const showLog = 'Show Log';
    const choice = await vscode.window.showErrorMessage(
        `milestone-lsp: ${reason}`,
        openSettings,
        showLog,
    );
    if (choice === openSettings) {
        await openSetting('interpreter');
    } else if (choice === showLog) {
        outputChannel.show();
    }
}
