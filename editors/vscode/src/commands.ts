/**
 * Palette commands. Each one is a thin call of a server command through workspace/executeCommand;
 * edits are made by the server (workspace/applyEdit), so the same commands work in every editor.
 *
 * VS Code command ids are `milestoneLsp.*` while the server's are `milestone-lsp.*`: the language
 * client registers the server's ids itself (executeCommandProvider), and a second registration of
 * the same id would fail.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';

export const SERVER_COMMANDS = {
    statusReport: 'milestone-lsp.statusReport',
    recomputeProgress: 'milestone-lsp.recomputeProgress',
    insertTemplate: 'milestone-lsp.insertTemplate',
    workspaceProgress: 'milestone-lsp.workspaceProgress',
} as const;

export interface ProgressCount {
    percent: number;
    done: number;
    total: number;
}

export interface MilestoneProgress extends ProgressCount {
    name: string;
    approval?: string | null;
}

export interface WorkspaceProgress {
    overall: ProgressCount;
    milestones: MilestoneProgress[];
    text: string;
}

export type TemplateKind =
    | 'milestone'
    | 'deliverable'
    | 'status'
    | 'milestoneVerification'
    | 'deliverableVerification'
    | 'statusReport'
    | 'approval';

/** A template that fits the cursor's place, as the server offers it (the code actions' set). */
interface TemplateOffer {
    kind: TemplateKind;
    title: string;
}

/** The server's answer when it leaves the insertion to the editor (a snippet with tab stops). */
interface TemplateSnippet {
    applied: boolean;
    uri?: string;
    position?: { line: number; character: number };
    snippet?: string;
}

/** Call a server command; undefined (and a logged error) when it fails. */
export async function executeServerCommand<T>(
    client: LanguageClient,
    command: string,
    args: unknown[],
): Promise<T | undefined> {
    try {
        return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
    } catch (error) {
        client.error(`${command} failed`, error, false);
        return undefined;
    }
}

/** Open text in a new untitled editor beside nothing else: reports are read, not saved. */
export async function showUntitled(content: string, language = 'markdown'): Promise<void> {
    const document = await vscode.workspace.openTextDocument({ language, content });
    await vscode.window.showTextDocument(document, { preview: false });
}

function activeMarkdownEditor(): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId === 'markdown' && editor.document.uri.scheme === 'file') {
        return editor;
    }
    void vscode.window.showWarningMessage('milestone-lsp: open a markdown tracking document first.');
    return undefined;
}

export async function statusReport(client: LanguageClient, milestone?: string): Promise<void> {
    const editor = activeMarkdownEditor();
    if (!editor) {
        return;
    }
    let chosen = milestone;
    if (chosen === undefined) {
        // Offer the milestones the server knows; fall back to a whole-document report.
        const progress = await executeServerCommand<WorkspaceProgress>(client, SERVER_COMMANDS.workspaceProgress, []);
        const names = progress?.milestones.map((m) => m.name) ?? [];
        if (names.length > 0) {
            const all = '$(list-unordered) All milestones';
            const pick = await vscode.window.showQuickPick([all, ...names], { placeHolder: 'Report on which milestone?' });
            if (pick === undefined) {
                return;
            }
            chosen = pick === all ? undefined : pick;
        }
    }
    const arg: { uri: string; milestone?: string } = { uri: editor.document.uri.toString() };
    if (chosen !== undefined) {
        arg.milestone = chosen;
    }
    const result = await executeServerCommand<{ markdown: string }>(client, SERVER_COMMANDS.statusReport, [arg]);
    if (result?.markdown !== undefined) {
        await showUntitled(result.markdown);
    } else {
        void vscode.window.showErrorMessage('milestone-lsp: the status report failed; see the milestone-lsp output.');
    }
}

export async function recomputeProgress(client: LanguageClient): Promise<void> {
    const editor = activeMarkdownEditor();
    if (editor) {
        await executeServerCommand(client, SERVER_COMMANDS.recomputeProgress, [{ uri: editor.document.uri.toString() }]);
    }
}

export async function insertTemplate(client: LanguageClient, kind?: TemplateKind): Promise<void> {
    const editor = activeMarkdownEditor();
    if (!editor) {
        return;
    }
    const uri = editor.document.uri.toString();
    const line = editor.selection.active.line;
    let chosen = kind;
    if (chosen === undefined) {
        // The templates that fit here: the same set as the Source Action menu.
        const listed = await executeServerCommand<{ templates: TemplateOffer[] }>(client, SERVER_COMMANDS.insertTemplate, [
            { uri, line },
        ]);
        const offers = listed?.templates ?? [];
        if (offers.length === 0) {
            void vscode.window.showInformationMessage('milestone-lsp: no template fits here.');
            return;
        }
        const pick = await vscode.window.showQuickPick(
            offers.map((o) => ({ label: o.title, templateKind: o.kind })),
            { placeHolder: 'Insert which template?' },
        );
        chosen = pick?.templateKind;
    }
    if (chosen === undefined) {
        return;
    }
    // Ask for the snippet: VS Code's language client takes no snippet edits, but the editor can
    // insert one itself, with a tab stop on every [placeholder].
    const result = await executeServerCommand<TemplateSnippet>(client, SERVER_COMMANDS.insertTemplate, [
        { uri, kind: chosen, line, snippet: true },
    ]);
    if (result?.snippet !== undefined && result.position && result.uri === uri) {
        const at = new vscode.Position(result.position.line, result.position.character);
        await editor.insertSnippet(new vscode.SnippetString(result.snippet), at);
    }
}

export function fetchWorkspaceProgress(client: LanguageClient): Promise<WorkspaceProgress | undefined> {
    return executeServerCommand<WorkspaceProgress>(client, SERVER_COMMANDS.workspaceProgress, []);
}
