/**
 * "Show Progress History": the server's progressHistory command renders a self-contained HTML page
 * (an inline SVG burn-up chart and a table) from the workspace's git history; it is shown in a
 * webview panel whose content security policy allows no scripts and no network loads.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';

export const PROGRESS_HISTORY = 'milestone-lsp.progressHistory';
const VIEW_TYPE = 'milestoneLsp.progressHistory';
const TITLE = 'Progress History';

/**
 * Inline styles and data: images only. Everything else, scripts and any http(s) load included,
 * is refused by the webview.
 */
export const CONTENT_SECURITY_POLICY =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; script-src 'none'; " +
    "connect-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'";

/** The page with our policy as the first element of its head (a policy applies from where it is). */
export function withContentSecurityPolicy(html: string): string {
    const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;
    const head = /<head(\s[^>]*)?>/i.exec(html);
    if (head) {
        const at = head.index + head[0].length;
        return html.slice(0, at) + meta + html.slice(at);
    }
    const htmlTag = /<html(\s[^>]*)?>/i.exec(html);
    if (htmlTag) {
        const at = htmlTag.index + htmlTag[0].length;
        return `${html.slice(0, at)}<head>${meta}</head>${html.slice(at)}`;
    }
    return `<!DOCTYPE html><html><head>${meta}</head><body>${html}</body></html>`;
}

/** The message of a failed request: the server's own (e.g. "not a git repository …") when it sent one. */
function errorMessage(error: unknown): string {
    if (error instanceof Error && error.message) {
        return error.message;
    }
    if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
        return (error as { message: string }).message;
    }
    return String(error);
}

export class HistoryPanel implements vscode.Disposable {
    private panel: vscode.WebviewPanel | undefined;

    constructor(private readonly log: vscode.LogOutputChannel) {}

    async show(client: LanguageClient): Promise<void> {
        let html: string;
        try {
            const result = (await vscode.window.withProgress(
                { location: vscode.ProgressLocation.Window, title: 'milestone-lsp: reading the progress history' },
                () =>
                    client.sendRequest(ExecuteCommandRequest.type, {
                        command: PROGRESS_HISTORY,
                        arguments: [{ format: 'html' }],
                    }),
            )) as { html?: unknown } | null;
            if (typeof result?.html !== 'string') {
                throw new Error(
                    `${PROGRESS_HISTORY} answered without an "html" page; the server may be older than the extension (see the log)`,
                );
            }
            html = result.html;
        } catch (error) {
            const message = errorMessage(error);
            this.log.error(`${PROGRESS_HISTORY} failed: ${message}`);
            const choice = await vscode.window.showErrorMessage(
                `milestone-lsp: no progress history. ${message}`,
                'Show Log',
            );
            if (choice === 'Show Log') {
                this.log.show();
            }
            return;
        }
        if (!this.panel) {
            this.panel = vscode.window.createWebviewPanel(
                VIEW_TYPE,
                TITLE,
                { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
                // No scripts, no local files: the page is self-contained.
                { enableScripts: false, enableCommandUris: false, localResourceRoots: [] },
            );
            this.panel.onDidDispose(() => {
                this.panel = undefined;
            });
        } else {
            this.panel.reveal(undefined, false);
        }
        this.panel.webview.html = withContentSecurityPolicy(html);
    }

    dispose(): void {
        this.panel?.dispose();
    }
}
