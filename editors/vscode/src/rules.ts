/**
 * The rule catalogue inside the editor: every rule's page is a read-only markdown document at
 * `milestone-lsp-rule:/MS101.md`, served from the server's `milestone-lsp.explainRule` (the page
 * `milestone-lsp explain` prints). Diagnostic codes link there instead of to a web page, so that
 * clicking `MS101` in a hover or the Problems panel opens the page in an editor tab; the
 * *Explain Rule* command opens it for the diagnostic under the cursor or a rule picked from the
 * catalogue.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { executeServerCommand } from './commands';

export const RULE_SCHEME = 'milestone-lsp-rule';
const EXPLAIN_RULE = 'milestone-lsp.explainRule';
const SOURCE = 'milestone-lsp';

interface RulePage {
    code: string;
    name: string;
    summary: string;
    markdown: string;
}

interface RuleEntry {
    code: string;
    name: string;
    summary: string;
}

/** The editor address of a rule's page. */
export function ruleUri(code: string): vscode.Uri {
    return vscode.Uri.from({ scheme: RULE_SCHEME, path: `/${code}.md` });
}

/** Serves rule pages to the editor, asking the running server. */
export class RulePages implements vscode.TextDocumentContentProvider {
    constructor(private readonly client: () => LanguageClient | undefined) {}

    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
        const code = uri.path.replace(/^\//, '').replace(/\.md$/, '');
        const client = this.client();
        if (!client || !client.isRunning()) {
            return `# ${code}\n\nThe milestone-lsp server is not running: start it to read this page.\n`;
        }
        const page = await executeServerCommand<RulePage>(client, EXPLAIN_RULE, [{ rule: code }]);
        return page?.markdown ?? `# ${code}\n\nNo such rule (\`milestone-lsp rules\` lists them).\n`;
    }
}

/** Point the code of each milestone-lsp diagnostic at its page inside the editor. */
export function linkCodesToPages(diagnostics: vscode.Diagnostic[]): vscode.Diagnostic[] {
    for (const diagnostic of diagnostics) {
        if (diagnostic.source !== SOURCE || diagnostic.code === undefined) {
            continue;
        }
        const value = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
        diagnostic.code = { value, target: ruleUri(String(value)) };
    }
    return diagnostics;
}

/** Open a rule's page: the rule given, else the diagnostic under the cursor, else a pick. */
export async function explainRule(client: LanguageClient, rule?: string): Promise<void> {
    let code = rule;
    if (code === undefined) {
        const editor = vscode.window.activeTextEditor;
        const here = editor
            ? vscode.languages
                  .getDiagnostics(editor.document.uri)
                  .filter((d) => d.source === SOURCE && d.range.contains(editor.selection.active))
                  .map((d) => String(typeof d.code === 'object' ? d.code.value : d.code))
            : [];
        const listed = await executeServerCommand<{ rules: RuleEntry[] }>(client, EXPLAIN_RULE, []);
        const rules = listed?.rules ?? [];
        const first = rules.filter((r) => here.includes(r.code));
        const rest = rules.filter((r) => !here.includes(r.code));
        const pick = await vscode.window.showQuickPick(
            [...first, ...rest].map((r) => ({
                label: r.code,
                description: r.name,
                detail: r.summary,
            })),
            { placeHolder: 'Explain which rule?', matchOnDescription: true, matchOnDetail: true },
        );
        code = pick?.label;
    }
    if (code === undefined) {
        return;
    }
    if (!/^MS\d+$/i.test(code)) {
        // A rule name (vague-criterion): the server knows its code.
        code = (await executeServerCommand<RulePage>(client, EXPLAIN_RULE, [{ rule: code }]))?.code ?? code;
    }
    const document = await vscode.workspace.openTextDocument(ruleUri(code.toUpperCase()));
    await vscode.languages.setTextDocumentLanguage(document, 'markdown');
    await vscode.window.showTextDocument(document, { preview: true });
}
