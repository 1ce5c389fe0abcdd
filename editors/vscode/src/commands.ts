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

export type TemplateKind = 'milestone' | 'deliverable' | 'status' | 'milestoneVerification' | 'deliverableVerification';

const TEMPLATE_KINDS: { kind: TemplateKind; label: string; detail: string }[] = [
    { kind: 'milestone', label: 'Milestone', detail: 'A milestone definition with its required sections' },
    { kind: 'deliverable', label: 'Deliverable', detail: 'A deliverable definition with its required sections' },
    { kind: 'status', label: 'Status entry', detail: 'A STATUS.md entry' },
    { kind: 'milestoneVerification', label: 'Milestone verification', detail: 'A verification section for a milestone' },
    { kind: 'deliverableVerification', label: 'Deliverable verification', detail: 'A verification section for a deliverable' },
];

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
    let chosen = kind;
    if (chosen === undefined) {
        const pick = await vscode.window.showQuickPick(
            TEMPLATE_KINDS.map((k) => ({ label: k.label, detail: k.detail, templateKind: k.kind })),
            { placeHolder: 'Insert which template?' },
        );
        chosen = pick?.templateKind;
    }
    if (chosen === undefined) {
        return;
    }
    await executeServerCommand(client, SERVER_COMMANDS.insertTemplate, [
        { uri: editor.document.uri.toString(), kind: chosen, line: editor.selection.active.line },
    ]);
}

export function fetchWorkspaceProgress(client: LanguageClient): Promise<WorkspaceProgress | undefined> {
    return executeServerCommand<WorkspaceProgress>(client, SERVER_COMMANDS.workspaceProgress, []);
}
