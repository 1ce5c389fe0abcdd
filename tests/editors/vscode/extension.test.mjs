// The milestone-lsp extension in a real VS Code (code-server), driven like a person would:
// open the workspace and STATUS.md, read the Problems panel, hover a milestone heading, apply a
// quick fix, read the status bar, open the status report and the progress history (the workspace
// copy is made a git repository with a short history first), follow a link, rename a plan file in
// the explorer and see the links to it updated, insert a template with the cursor inside a list,
// open a rule's page, and point the interpreter setting at nothing. With
// MILESTONE_LSP_SCREENSHOTS=1 (make screenshots) it also refreshes the README's pictures.
//
// Run through editors/vscode/scripts/test-vscode.sh (it builds the .vsix and installs code-server).
// The workspace (MILESTONE_LSP_WORKSPACE, default examples/) must hold STATUS.md and, in some
// markdown file, a `## Milestone: ...` definition whose criteria include the vague
// "- [ ] Performance is acceptable" (MS101). Waits are on conditions, never fixed sleeps.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ARTIFACTS, Editor, REPO, makeGitHistory, waitFor, workspaceSource } from './harness.mjs';

const VAGUE_CRITERION = 'Performance is acceptable';
const VAGUE_CODE = 'MS101';
// Extra codes the Problems panel must list, e.g. MILESTONE_LSP_EXPECT_CODES=MS101,MS301.
const EXPECTED_CODES = [
    VAGUE_CODE,
    ...(process.env.MILESTONE_LSP_EXPECT_CODES ?? '').split(',').map((c) => c.trim()).filter(Boolean),
];
const PROGRESS_TEXT = /(\d+)% \((\d+)\/(\d+)\)/;
// The README's pictures are written only when asked (make screenshots), so that a test run
// leaves the working tree as it was.
const WRITE_PICTURES = process.env.MILESTONE_LSP_SCREENSHOTS === '1';

/** Copy a screenshot of this run to the README's pictures, when asked. */
function publishPicture(artifact, ...targets) {
    if (!WRITE_PICTURES) {
        return;
    }
    for (const target of targets) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(path.join(ARTIFACTS, artifact), target);
    }
}
// Diagnostics take 10-20 s on 2 cores after the workbench is up; be generous.
const DIAGNOSTICS_TIMEOUT = 120_000;
const HISTORY_COMMITS = 3;

/** The workspace file holding the vague criterion, its 1-based line, and the milestone heading above. */
function findVagueCriterion(workspace) {
    for (const name of fs.readdirSync(workspace).filter((n) => n.endsWith('.md')).sort()) {
        const lines = fs.readFileSync(path.join(workspace, name), 'utf8').split('\n');
        const index = lines.findIndex((line) => line.includes(VAGUE_CRITERION));
        if (index < 0) {
            continue;
        }
        let heading = index;
        while (heading >= 0 && !/^#{1,6}\s+Milestone\b/i.test(lines[heading])) {
            heading--;
        }
        if (heading < 0) {
            // Mentioned outside a milestone (e.g. in a README table): not the definition we want.
            continue;
        }
        return { file: name, line: index + 1, criterionText: lines[index], headingLine: heading + 1, headingText: lines[heading] };
    }
    throw new Error(`no markdown file in ${workspace} has "${VAGUE_CRITERION}" under a "## Milestone:" heading`);
}

describe('milestone-lsp in VS Code (code-server)', { timeout: 15 * 60_000 }, () => {
    /** @type {Editor} */
    let editor;
    let vague;
    let historyDates = [];
    // Tests after the first need a running server: without one they fail at once, not after minutes.
    let serverUp = false;
    const needsServer = () => assert.ok(serverUp, 'the server did not start (see the first test and milestone-lsp-output.log)');

    before(async () => {
        console.log(`workspace: ${workspaceSource()}`);
        vague = findVagueCriterion(workspaceSource());
        editor = await Editor.start({
            prepareWorkspace: (dir) => {
                historyDates = makeGitHistory(dir, { commits: HISTORY_COMMITS });
            },
        });
    });

    after(async () => {
        await editor?.stop();
    });

    it('activates on markdown, starts the server and logs to the milestone-lsp output channel', async () => {
        await editor.openFile('STATUS.md');
        const log = await waitFor(
            'the server to answer initialize (milestone-lsp output channel)',
            () => {
                const text = editor.outputChannelText();
                if (/Server initialization failed|cannot use the Python|no suitable Python/.test(text)) {
                    throw new Error(`the server did not start:\n${text.slice(-3000)}`);
                }
                return /Received response 'initialize/.test(text) && text;
            },
            { timeoutMs: DIAGNOSTICS_TIMEOUT },
        );
        assert.match(log, /Starting server \(useBundled\)/);
        serverUp = true;
        // The channel is in the Output view, where a user would look for it.
        await editor.runCommand('milestone-lsp: Show Server Log');
        await editor.page.locator('.output-view, .panel .monaco-editor').first().waitFor({ timeout: 30_000 });
        await editor.screenshot('01-output-channel');
    });

    it(`lists ${EXPECTED_CODES.join(', ')} in the Problems panel`, async () => {
        needsServer();
        if (vague.file !== 'STATUS.md') {
            await editor.openFile(vague.file);
        }
        await editor.runCommand('View: Focus Problems');
        // The list is virtualised: with many findings, rows below the fold are not in the DOM.
        // Maximise the panel and page through it, remembering every code seen.
        await editor.runCommand('View: Toggle Maximized Panel');
        const rows = editor.page.locator('.markers-panel .monaco-list-row');
        const seen = new Set();
        const codes = await waitFor(
            `Problems rows with ${EXPECTED_CODES.join(', ')}`,
            async () => {
                const texts = await rows.allInnerTexts();
                for (const code of texts.join('\n').match(/MS\d{3}/g) ?? []) seen.add(code);
                if (!EXPECTED_CODES.every((code) => seen.has(code))) {
                    await rows.first().click().catch(() => {});
                    await editor.page.keyboard.press('PageDown').catch(() => {});
                    return false;
                }
                return seen;
            },
            { timeoutMs: DIAGNOSTICS_TIMEOUT },
        );
        console.log(`codes in the Problems panel: ${[...codes].sort().join(', ')}`);
        const vagueRow = rows.filter({ hasText: VAGUE_CODE }).filter({ hasText: /vague|measur/i });
        assert.ok((await vagueRow.count()) > 0, `no ${VAGUE_CODE} row mentions vagueness`);
        await editor.screenshot('02-problems');
    });

    it('shows the milestone progress summary when hovering a milestone heading', async () => {
        needsServer();
        await editor.openFile(vague.file);
        // Bring the heading and the vague criterion (with its squiggle) into view together.
        await editor.goToLine(Math.round((vague.headingLine + vague.line) / 2));
        const heading = editor.activeEditorLines().filter({ hasText: vague.headingText.replace(/^#+\s*/, '') }).first();
        await heading.waitFor({ timeout: 30_000 });
        const word = heading.locator('span span', { hasText: /Milestone/ }).first();
        const hover = editor.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: /\d+(\.\d+)?\s*%/ });
        await waitFor(
            'a hover with a percentage and "criteria"',
            async () => {
                await editor.page.mouse.move(5, 5);
                await word.hover();
                await hover.first().waitFor({ state: 'visible', timeout: 5_000 });
                if (!/criteria/i.test(await hover.first().innerText())) {
                    return false;
                }
                // Let it finish fading in, so the picture below shows it fully.
                await editor.page.waitForFunction(
                    () => {
                        const element = [...document.querySelectorAll('.monaco-hover:not(.hidden)')].find((e) => /%/.test(e.textContent ?? ''));
                        let opacity = element ? 1 : 0;
                        for (let node = element; node; node = node.parentElement) {
                            opacity *= Number(getComputedStyle(node).opacity);
                        }
                        return opacity > 0.99;
                    },
                    undefined,
                    { timeout: 5_000 },
                );
                return true;
            },
            { timeoutMs: DIAGNOSTICS_TIMEOUT, intervalMs: 500 },
        );
        console.log(`hover: ${(await hover.first().innerText()).replace(/\s+/g, ' ').slice(0, 300)}`);
        await editor.screenshot('03-hover');
        // The README's and docs' picture: diagnostics in the editor and Problems, plus the hover.
        publishPicture(
            '03-hover.png',
            path.join(REPO, 'docs', 'images', 'vscode-hover.png'),
            path.join(REPO, 'editors', 'vscode', 'images', 'vscode-hover.png'),
        );
    });

    it('applies a quick fix to the vague criterion', async () => {
        needsServer();
        await editor.openFile(vague.file);
        // Inside the diagnostic's range: code actions are asked for the cursor position.
        await editor.goToLine(vague.line, vague.criterionText.indexOf(VAGUE_CRITERION) + 1);
        const before = await editor.visibleLines();
        assert.ok(before.some((line) => line.includes(VAGUE_CRITERION)), 'vague criterion not in view');
        await editor.page.keyboard.press('Control+Period');
        const menu = editor.page.locator('.action-widget:visible');
        await menu.waitFor({ state: 'visible', timeout: 30_000 });
        const actions = menu.locator('.monaco-list-row.action:not(.disabled)');
        await actions.first().waitFor({ timeout: 30_000 });
        console.log(`quick fixes offered: ${(await actions.allInnerTexts()).map((t) => t.trim()).join(' | ')}`);
        await editor.screenshot('04-quick-fix-menu');
        await actions.first().click();
        await waitFor(
            'the editor text to change',
            async () => {
                const now = await editor.visibleLines();
                return now.join('\n') !== before.join('\n');
            },
            { timeoutMs: 30_000 },
        );
        const tab = editor.page.locator(`.tab.active[aria-label^="${vague.file}"]`);
        assert.match((await tab.getAttribute('class')) ?? '', /dirty/, 'the fixed document is not marked modified');
        await editor.screenshot('05-after-quick-fix');
    });

    it('shows the workspace progress in the status bar and opens the summary on click', async () => {
        needsServer();
        await editor.dismissWidgets();
        const item = editor.page.locator('.statusbar-item').filter({ hasText: PROGRESS_TEXT }).first();
        await item.waitFor({ state: 'visible', timeout: DIAGNOSTICS_TIMEOUT });
        const text = await item.innerText();
        const [, percent, done, total] = text.match(PROGRESS_TEXT);
        console.log(`status bar: ${text.trim()}`);
        assert.ok(Number(total) > 0 && Number(done) <= Number(total) && Number(percent) <= 100);
        await item.click();
        await editor.page.locator('.tab.active').filter({ hasText: /Untitled-\d/ }).waitFor({ timeout: 30_000 }).catch(async (error) => {
            await editor.screenshot('06-status-bar-click-failed');
            throw error;
        });
        await waitFor('the summary text', async () => (await editor.visibleLines()).some((line) => /\d+%/.test(line)));
        await editor.screenshot('06-status-bar-summary');
    });

    it('opens the status report of a milestone in an untitled markdown editor', async () => {
        needsServer();
        await editor.openFile('STATUS.md');
        // STATUS.md is open in a tab already, so wait for it to be the active one (click it if not).
        const statusTab = editor.page.locator('.tab[aria-label^="STATUS.md"]').first();
        await waitFor('STATUS.md to be the active editor', async () => {
            if (/\bactive\b/.test((await statusTab.getAttribute('class')) ?? '')) return true;
            await statusTab.click();
            return false;
        }, { timeoutMs: 30_000 });
        const milestone = /^#+\s*Milestone:\s*(.+?)\s*$/.exec(vague.headingText)?.[1];
        assert.ok(milestone, `no milestone name in "${vague.headingText}"`);
        // Not editor.runCommand: the extension's milestone picker reuses the palette's widget, so
        // waiting for the palette to close would wait for the picker too.
        await editor.dismissWidgets();
        await editor.page.keyboard.press('F1');
        const input = editor.page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill('>milestone-lsp: Status Report');
        await editor.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Status Report' }).first().waitFor({ timeout: 30_000 });
        await editor.page.keyboard.press('Enter');
        // The extension asks which milestone, offering the ones the server knows.
        await editor.page.locator('.quick-input-widget input.input[placeholder^="Report on which milestone"]').waitFor({ timeout: 30_000 }).catch(async (error) => {
            await editor.screenshot('09-status-report-failed');
            throw error;
        });
        await input.fill(milestone);
        await editor.page.locator('.quick-input-widget .monaco-list-row', { hasText: milestone }).first().waitFor({ timeout: 30_000 });
        await editor.page.keyboard.press('Enter');
        await editor.page.locator('.tab.active').filter({ hasText: /Untitled-\d/ }).waitFor({ timeout: 30_000 });
        const lines = await waitFor('the report text', async () => {
            const now = await editor.visibleLines();
            return now.some((line) => line.includes(milestone)) && now.some((line) => /\d+%/.test(line)) && now;
        });
        console.log(`status report starts: ${lines.slice(0, 3).join(' | ')}`);
        assert.match(lines[0], /^#/, 'the report does not start with a markdown heading');
        // The language indicator in the status bar: the untitled document is markdown.
        const language = editor.page.locator('.statusbar-item[id$="editor.mode"]');
        assert.match(await language.innerText(), /Markdown/);
        await editor.screenshot('09-status-report');
    });

    it('shows the progress history of the git workspace in a webview without scripts or network', async () => {
        needsServer();
        await editor.dismissWidgets();
        const external = [];
        const onRequest = (request) => {
            const url = new URL(request.url());
            if (/^https?:$/.test(url.protocol) && url.hostname !== '127.0.0.1') external.push(request.url());
        };
        const refused = () => editor.consoleLines.filter((line) => /Content.Security.Policy|Refused to/i.test(line));
        const refusedBefore = refused().length;
        // Room for the page (and the README's picture): no side bar, no panel. Best effort: the
        // layout is not what is tested here.
        for (const title of ['View: Close Primary Side Bar', 'View: Hide Panel']) {
            await editor.runCommand(title).catch((error) => console.log(`${title}: ${error.message.split('\n')[0]}`));
        }
        editor.page.on('request', onRequest);
        try {
            await editor.runCommand('milestone-lsp: Show Progress History');
            await editor.page.locator('.tab.active', { hasText: 'Progress History' }).waitFor({ timeout: DIAGNOSTICS_TIMEOUT });
            // VS Code nests the page two iframes deep: the webview host, then the content frame.
            const content = editor.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
            const chart = content.locator('svg').first();
            await chart.waitFor({ state: 'visible', timeout: DIAGNOSTICS_TIMEOUT });
            const box = await chart.boundingBox();
            assert.ok(box && box.width > 100 && box.height > 50, `the chart is too small to see: ${JSON.stringify(box)}`);
            // A burn-up chart draws its series as lines or paths.
            assert.ok((await content.locator('svg polyline, svg path, svg line').count()) > 0, 'the chart has no lines');
            const policy = await content.locator('meta[http-equiv="Content-Security-Policy"]').first().getAttribute('content');
            assert.match(policy ?? '', /default-src 'none'/);
            assert.match(policy ?? '', /script-src 'none'/);
            assert.equal(await content.locator('script').count(), 0, 'the history page has scripts');
            // Every commit of the scripted history is in the page (as a date or a row).
            const text = await content.locator('body').innerText();
            const days = historyDates.map((date) => date.slice(0, 10));
            const shown = days.filter((day) => text.includes(day));
            console.log(`history page: ${shown.length}/${days.length} commit dates shown; ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
            assert.equal(shown.length, days.length, `commit dates ${days.join(', ')} not all in the page`);
            await editor.screenshot('10-progress-history');
            const group = editor.page.locator('.editor-group-container.active');
            await group.screenshot({ path: path.join(ARTIFACTS, '10-progress-history-editor.png') });
            // The README's and the extension page's picture of the history.
            publishPicture(
                '10-progress-history-editor.png',
                path.join(REPO, 'docs', 'images', 'history.png'),
                path.join(REPO, 'editors', 'vscode', 'images', 'history.png'),
            );
        } finally {
            editor.page.off('request', onRequest);
        }
        assert.deepEqual(external, [], 'the history page loaded something from the network');
        assert.deepEqual(refused().slice(refusedBefore), [], 'the history page tried something its policy forbids');
    });

    it("shows the server's message when there is no history to read", async () => {
        needsServer();
        await editor.dismissWidgets();
        // Without its .git folder the workspace is no git repository any more.
        const gitDir = path.join(editor.workspace, '.git');
        const hidden = path.join(editor.root, 'git-hidden');
        fs.renameSync(gitDir, hidden);
        try {
            await editor.runCommand('milestone-lsp: Show Progress History');
            const toast = editor.page.locator('.notification-toast').filter({ hasText: /no progress history/ });
            await toast.first().waitFor({ state: 'visible', timeout: DIAGNOSTICS_TIMEOUT });
            const message = await toast.first().innerText();
            console.log(`history error: ${message.replace(/\s+/g, ' ')}`);
            assert.match(message, /git/i, 'the message does not say that git history is what is missing');
            await editor.screenshot('11-progress-history-error');
            await toast.first().getByRole('button', { name: 'Show Log' }).waitFor();
        } finally {
            fs.renameSync(hidden, gitDir);
            await editor.dismissWidgets();
            await editor.page.keyboard.press('Escape');
        }
    });

    it('follows a link to another plan file with Go to Definition', async () => {
        needsServer();
        await editor.openFile('README.md');
        const source = fs.readFileSync(path.join(editor.workspace, 'README.md'), 'utf8').split('\n');
        const index = source.findIndex((line) => line.includes('](milestones.md)'));
        assert.ok(index >= 0, 'the workspace README links no milestones.md');
        const column = source[index].indexOf('](milestones.md)') + 4;
        await editor.goToLine(index + 1, column);
        // Pointing at the link shows where it goes (the server's document link).
        const link = editor.activeEditorLines().filter({ hasText: '](milestones.md)' }).locator('span', { hasText: 'milestones.md' }).last();
        const tooltip = editor.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: /Follow link|Open milestones\.md/ });
        await waitFor('the link tooltip', async () => {
            await editor.page.mouse.move(5, 5);
            await link.hover();
            await tooltip.first().waitFor({ state: 'visible', timeout: 5_000 });
            return true;
        }, { timeoutMs: DIAGNOSTICS_TIMEOUT, intervalMs: 500 });
        await editor.screenshot('12-link');
        publishPicture(
            '12-link.png',
            path.join(REPO, 'docs', 'images', 'vscode-link.png'),
            path.join(REPO, 'editors', 'vscode', 'images', 'vscode-link.png'),
        );
        await editor.dismissWidgets();
        await editor.goToLine(index + 1, column);
        await editor.page.keyboard.press('F12');
        await editor.page.locator('.tab.active[aria-label^="milestones.md"]').waitFor({ timeout: 30_000 });
        await waitFor('the cursor at the top of milestones.md', async () =>
            /Ln 1\b/.test(await editor.page.locator('.statusbar').innerText()),
        );
    });

    it('inserts a template inside a criteria list after the milestone, not into the list', async () => {
        needsServer();
        await editor.openFile(vague.file);
        const file = path.join(editor.workspace, vague.file);
        const lines = fs.readFileSync(file, 'utf8').split('\n');
        const inList = lines.findIndex((line) => line.includes('Code quality is good'));
        assert.ok(inList > 0, 'no second vague criterion in the list');
        await editor.goToLine(inList + 1, 3);
        await editor.dismissWidgets();
        await editor.page.keyboard.press('F1');
        const input = editor.page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill('>milestone-lsp: Insert Template');
        await editor.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Insert Template' }).first().waitFor({ timeout: 30_000 });
        await editor.page.keyboard.press('Enter');
        const offered = editor.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Insert Milestone template' });
        await offered.first().waitFor({ timeout: 30_000 });
        const titles = await editor.page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
        console.log(`templates offered: ${titles.map((t) => t.trim()).join(' | ')}`);
        assert.ok(titles.some((t) => /Milestone Verification checklist for "/.test(t)), 'no verification checklist for this milestone');
        await editor.page.keyboard.type('Insert Milestone template');
        await editor.page.keyboard.press('Enter');
        // The snippet selects its first placeholder: typing replaces it.
        await waitFor('the template in the editor', async () => (await editor.visibleLines()).some((line) => line.startsWith('## Milestone: [Name]')), { timeoutMs: 30_000 });
        await editor.page.keyboard.type('Reporting Live');
        await editor.page.keyboard.press('Escape');
        await editor.screenshot('15-template-inserted');
        await editor.page.keyboard.press('Control+S');
        const saved = await waitFor('the saved file', () => {
            const text = fs.readFileSync(file, 'utf8');
            return text.includes('## Milestone: Reporting Live') && text.split('\n');
        }, { timeoutMs: 30_000 });
        const heading = saved.indexOf('## Milestone: Reporting Live');
        const list = saved.findIndex((line) => line.includes('Code quality is good'));
        // The criterion the cursor was on keeps its neighbours (its list is whole)...
        assert.deepEqual([saved[list - 1], saved[list + 1]], [lines[inList - 1], lines[inList + 1]]);
        // ...and the new milestone starts after the whole milestone the cursor was in.
        const between = saved.slice(list, heading);
        assert.ok(between.some((line) => line.startsWith('**Approval Required:**')), 'the template split the milestone');
        assert.ok(!between.some((line) => line.startsWith('## ')), 'another section lies in between');
    });

    it("opens a rule's page inside the editor", async () => {
        needsServer();
        await editor.openFile(vague.file);
        const lines = fs.readFileSync(path.join(editor.workspace, vague.file), 'utf8').split('\n');
        const at = lines.findIndex((line) => line.includes('Code quality is good'));
        await editor.goToLine(at + 1, lines[at].indexOf('Code quality') + 2);
        await editor.dismissWidgets();
        await editor.page.keyboard.press('F1');
        const input = editor.page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill('>milestone-lsp: Explain Rule');
        await editor.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Explain Rule' }).first().waitFor({ timeout: 30_000 });
        await editor.page.keyboard.press('Enter');
        // The diagnostic under the cursor comes first in the picker.
        const first = editor.page.locator('.quick-input-widget .monaco-list-row').first();
        await first.filter({ hasText: VAGUE_CODE }).waitFor({ timeout: 30_000 });
        await editor.page.keyboard.press('Enter');
        await editor.page.locator('.tab.active', { hasText: `${VAGUE_CODE}.md` }).waitFor({ timeout: 30_000 });
        const page = await waitFor('the rule page', async () => {
            const now = await editor.visibleLines();
            return now[0]?.startsWith(`# ${VAGUE_CODE} `) && now;
        });
        assert.ok(page.some((line) => /What it flags/.test(line)), 'the page is not the rule documentation');
        await editor.screenshot('16-rule-page');
    });

    it('renames a plan file in the explorer and updates the links and mentions of it', async () => {
        needsServer();
        await editor.openFile('deliverables.md');
        // The file selected in the Explorer, as a person would find it there.
        await editor.runCommand('File: Reveal Active File in Explorer View');
        const row = editor.page.locator('.explorer-folders-view .monaco-list-row.selected').filter({ hasText: 'deliverables.md' });
        await row.first().waitFor({ state: 'visible', timeout: 30_000 }).catch(async (error) => {
            await editor.screenshot('13-rename-no-explorer-row');
            throw error;
        });
        await row.first().click();
        await editor.page.keyboard.press('F2');
        const input = editor.page.locator('.explorer-folders-view .monaco-inputbox input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill('plan-deliverables.md');
        await editor.screenshot('13-rename-input');
        await editor.page.keyboard.press('Enter');
        // VS Code's usual prompt for an extension's edits on a rename: OK applies them.
        const prompt = editor.page.locator('.monaco-dialog-box').filter({ hasText: /refactoring changes|rename/i });
        await prompt.first().waitFor({ state: 'visible', timeout: 60_000 }).catch(async (error) => {
            await editor.screenshot('13-rename-no-prompt');
            throw error;
        });
        console.log(`rename prompt: ${(await prompt.first().innerText()).replace(/\s+/g, ' ')}`);
        await editor.screenshot('13-rename-prompt');
        publishPicture(
            '13-rename-prompt.png',
            path.join(REPO, 'docs', 'images', 'vscode-rename.png'),
            path.join(REPO, 'editors', 'vscode', 'images', 'vscode-rename.png'),
        );
        await prompt.first().getByRole('button', { name: 'OK' }).click();
        await waitFor('the file to move on disk', () =>
            fs.existsSync(path.join(editor.workspace, 'plan-deliverables.md')) &&
            !fs.existsSync(path.join(editor.workspace, 'deliverables.md')),
        { timeoutMs: 60_000 });
        const dialogs = editor.page.locator('.monaco-dialog-box');
        await waitFor('no dialog left open', async () => {
            if ((await dialogs.count()) === 0 || !(await dialogs.first().isVisible())) return true;
            console.log(`dialog after the rename: ${(await dialogs.first().innerText()).replace(/\s+/g, ' ')}`);
            await editor.screenshot('14-dialog-after-rename');
            return false;
        }, { timeoutMs: 30_000, intervalMs: 2_000 });
        // README.md is open in a tab since the link test: bring it to the front.
        const readme = editor.page.locator('.tab[aria-label^="README.md"]').first();
        await waitFor('README.md to be the active editor', async () => {
            if (/\bactive\b/.test((await readme.getAttribute('class')) ?? '')) return true;
            await readme.click();
            return false;
        }, { timeoutMs: 30_000 });
        let seen = [];
        const lines = await waitFor('the README to link the new name', async () => {
            await editor.goToLine(1);
            seen = await editor.visibleLines();
            return seen.some((line) => line.includes('[deliverables.md](plan-deliverables.md)')) && seen;
        }, { timeoutMs: 30_000 }).catch(async (error) => {
            await editor.screenshot('14-readme-after-rename');
            throw new Error(`${error.message}; README shows:\n${seen.join('\n')}`);
        });
        assert.ok(lines.some((line) => line.includes('`plan-deliverables.md`')), 'the plain mention was not updated');
        assert.ok(!lines.some((line) => line.includes('(deliverables.md)')), 'a link still names the old file');
        await editor.screenshot('14-after-rename');
    });

    it('reports a wrong interpreter path with a clear message and a way to the setting', async () => {
        await editor.dismissWidgets();
        const bogus = '/nonexistent/bin/python3';
        editor.writeWorkspaceSettings({ 'milestoneLsp.interpreter': bogus });
        const toast = editor.page.locator('.notification-toast').filter({ hasText: bogus });
        await toast.first().waitFor({ state: 'visible', timeout: 60_000 });
        const message = await toast.first().innerText();
        assert.match(message, /milestoneLsp\.interpreter/);
        assert.match(message, /no file at/);
        await editor.screenshot('07-wrong-interpreter');
        await toast.first().getByRole('button', { name: 'Open Settings' }).click();
        const settingsEditor = editor.page.locator('.settings-editor');
        await settingsEditor.waitFor({ state: 'visible', timeout: 30_000 });
        await settingsEditor.locator('.setting-item-contents', { hasText: 'Interpreter' }).first().waitFor({ timeout: 30_000 });
        await editor.screenshot('08-interpreter-setting');
        // Back to the default interpreter: the extension starts the server again by itself.
        const starts = () => (editor.outputChannelText().match(/Starting server/g) ?? []).length;
        const startsBefore = starts();
        editor.writeWorkspaceSettings({});
        await waitFor('a new server start after the setting is fixed', () => starts() > startsBefore, {
            timeoutMs: 60_000,
        });
    });
});
