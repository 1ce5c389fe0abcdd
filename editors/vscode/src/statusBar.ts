/**
 * The status-bar item with the workspace's overall progress, e.g. "$(milestone) 40% (2/5)".
 *
 * It is refreshed (debounced) whenever diagnostics change or a markdown file is saved: both follow
 * every edit the server sees, so the numbers never lag the documents for long.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { type WorkspaceProgress, fetchWorkspaceProgress } from './commands';

const REFRESH_DELAY_MS = 400;

export class ProgressStatusBar implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private readonly subscriptions: vscode.Disposable[] = [];
    private timer: NodeJS.Timeout | undefined;
    private client: LanguageClient | undefined;
    private generation = 0;
    // Last seen diagnostics per markdown file: the server may re-publish unchanged diagnostics
    // (e.g. while answering workspaceProgress), and refreshing on those would loop forever.
    private readonly lastDiagnostics = new Map<string, string>();

    constructor(showCommand: string) {
        this.item = vscode.window.createStatusBarItem('milestoneLsp.progress', vscode.StatusBarAlignment.Left, 50);
        this.item.name = 'milestone-lsp progress';
        this.item.command = showCommand;
        this.subscriptions.push(
            vscode.languages.onDidChangeDiagnostics((event) => {
                if (this.diagnosticsChanged(event.uris)) {
                    this.schedule();
                }
            }),
            vscode.workspace.onDidSaveTextDocument((document) => {
                if (document.languageId === 'markdown') {
                    this.schedule();
                }
            }),
        );
    }

    private diagnosticsChanged(uris: readonly vscode.Uri[]): boolean {
        let changed = false;
        for (const uri of uris) {
            if (uri.scheme !== 'file' || !uri.path.toLowerCase().endsWith('.md')) {
                continue;
            }
            const signature = JSON.stringify(
                vscode.languages.getDiagnostics(uri).map((d) => [d.range.start.line, d.range.start.character, d.code, d.message]),
            );
            if (this.lastDiagnostics.get(uri.toString()) !== signature) {
                this.lastDiagnostics.set(uri.toString(), signature);
                changed = true;
            }
        }
        return changed;
    }

    /** Follow a (re)started client, or hide when there is none. */
    setClient(client: LanguageClient | undefined): void {
        this.client = client;
        this.generation++;
        if (client) {
            this.schedule();
        } else {
            this.item.hide();
        }
    }

    schedule(): void {
        if (this.timer) {
            clearTimeout(this.timer);
        }
        this.timer = setTimeout(() => void this.refresh(), REFRESH_DELAY_MS);
    }

    async refresh(): Promise<WorkspaceProgress | undefined> {
        const client = this.client;
        const generation = this.generation;
        if (!client || !client.isRunning()) {
            return undefined;
        }
        const progress = await fetchWorkspaceProgress(client);
        if (generation !== this.generation) {
            return progress; // a restart happened meanwhile; a newer refresh is on its way
        }
        if (!progress || progress.overall.total === 0) {
            this.item.hide();
            return progress;
        }
        const { percent, done, total } = progress.overall;
        this.item.text = `$(milestone) ${Math.round(percent)}% (${done}/${total})`;
        const lines = progress.milestones.map(
            (m) => `${m.name}: ${Math.round(m.percent)}% (${m.done}/${m.total})${m.approval ? `, ${m.approval}` : ''}`,
        );
        this.item.tooltip = new vscode.MarkdownString(
            ['**Workspace progress**', '', ...lines.map((l) => `- ${l}`), '', 'Click for the summary.'].join('\n'),
        );
        this.item.show();
        return progress;
    }

    dispose(): void {
        if (this.timer) {
            clearTimeout(this.timer);
        }
        this.item.dispose();
        this.subscriptions.forEach((s) => s.dispose());
    }
}
