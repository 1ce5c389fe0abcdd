// Harness for the real-editor test: a private code-server with the packaged extension installed,
// and headless Debian Chromium driven by playwright-core. Everything lives in one temp dir and
// code-server runs in its own process group, so `stop()` leaves nothing behind.
//
// Inputs (environment; scripts/test-vscode.sh sets them):
//   MILESTONE_LSP_VSIX          the packaged extension
//   MILESTONE_LSP_WORKSPACE     folder to copy and open (default: examples/ if it has STATUS.md,
//                               else fixtures/workspace)
//   MILESTONE_LSP_ARTIFACTS     where screenshots and logs go (default: test-artifacts/vscode)
//   CHROMIUM                    browser binary (default: /usr/bin/chromium)

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..', '..');

export function workspaceSource() {
    if (process.env.MILESTONE_LSP_WORKSPACE) {
        return path.resolve(process.env.MILESTONE_LSP_WORKSPACE);
    }
    const examples = path.join(REPO, 'examples');
    if (fs.existsSync(path.join(examples, 'STATUS.md'))) {
        return examples;
    }
    return path.join(HERE, 'fixtures', 'workspace');
}

export const ARTIFACTS = path.resolve(process.env.MILESTONE_LSP_ARTIFACTS ?? path.join(REPO, 'test-artifacts', 'vscode'));

const CODE_SERVER_ENTRY = path.join(HERE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

// Quiet, deterministic editor: no welcome pages, no update checks, no AI panels, no other linters.
const USER_SETTINGS = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'security.workspace.trust.enabled': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'chat.disableAIFeatures': true,
    'chat.commandCenter.enabled': false,
    'git.enabled': false,
    'markdown.validate.enabled': false,
    'editor.minimap.enabled': false,
    'editor.stickyScroll.enabled': false,
    'editor.hover.delay': 200,
    'editor.fontSize': 14,
    'window.commandCenter': false,
    'files.autoSave': 'off',
    'milestoneLsp.trace.server': 'messages',
};

async function freePort() {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address();
    server.close();
    await once(server, 'close');
    return port;
}

/** Poll `check` until it returns a truthy value; fail with `what` after `timeoutMs`. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    while (Date.now() < deadline) {
        try {
            const value = await check();
            if (value) {
                return value;
            }
        } catch (error) {
            lastError = error;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError.message})` : ''}`);
}

function httpStatus(url) {
    return new Promise((resolve) => {
        const request = http.get(url, (response) => {
            response.resume();
            resolve(response.statusCode);
        });
        request.on('error', () => resolve(undefined));
        request.setTimeout(2000, () => request.destroy());
    });
}

function codeServerArgs(dirs) {
    return ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--config', dirs.config];
}

/** Recursively list files under dir whose name matches the pattern. */
export function findFiles(dir, pattern) {
    const found = [];
    if (!fs.existsSync(dir)) {
        return found;
    }
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            found.push(...findFiles(full, pattern));
        } else if (pattern.test(entry.name)) {
            found.push(full);
        }
    }
    return found;
}

function git(dir, args, env = {}) {
    const done = spawnSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        // The user's and the system's git config must not matter (hooks, signing, default branch).
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env },
    });
    if (done.status !== 0) {
        throw new Error(`git ${args.join(' ')} failed in ${dir} (is git installed?):\n${done.stdout}${done.stderr}`);
    }
    return done.stdout;
}

/**
 * Turn `dir` into a git repository whose history ticks the workspace's checkboxes off over
 * `commits` commits, two weeks apart: the first commit has every `- [x]` of the markdown files
 * unticked, each later one ticks a further share of them in document order, and the last commit is
 * the workspace as it is. Deliverables and criteria stay the same throughout. Returns the dates.
 */
export function makeGitHistory(dir, { commits = 3, firstDate = '2026-01-05T10:00:00Z' } = {}) {
    const files = fs.readdirSync(dir).filter((name) => name.endsWith('.md')).sort();
    const finalText = new Map(files.map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]));
    const ticked = /^(\s*[-*] )\[[xX]\]/gm;
    git(dir, ['init', '--quiet', '--initial-branch=main']);
    // The editor's settings are the test's, not the project's history.
    fs.appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '.vscode/\n');
    const dates = [];
    for (let k = 0; k < commits; k++) {
        for (const [name, text] of finalText) {
            const total = (text.match(ticked) ?? []).length;
            const keep = Math.round((total * k) / (commits - 1));
            let seen = 0;
            const partial = text.replace(ticked, (match, bullet) => (seen++ < keep ? match : `${bullet}[ ]`));
            fs.writeFileSync(path.join(dir, name), partial);
        }
        const date = new Date(Date.parse(firstDate) + k * 14 * 86_400_000).toISOString();
        dates.push(date);
        const identity = ['-c', 'user.name=Milestone Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false'];
        git(dir, ['add', '--all']);
        git(dir, [...identity, 'commit', '--quiet', '--no-verify', '-m', `Progress update ${k + 1} of ${commits}`], {
            GIT_AUTHOR_DATE: date,
            GIT_COMMITTER_DATE: date,
        });
    }
    return dates;
}

export class Editor {
    /**
     * Set up dirs, install the extension, start code-server and open the workspace in Chromium.
     * `prepareWorkspace(dir)` runs on the copied workspace before the editor opens it.
     */
    static async start({ workspaceSettings = {}, prepareWorkspace } = {}) {
        const editor = new Editor();
        await editor.#start(workspaceSettings, prepareWorkspace);
        return editor;
    }

    async #start(workspaceSettings, prepareWorkspace) {
        const vsix = process.env.MILESTONE_LSP_VSIX;
        if (!vsix || !fs.existsSync(vsix)) {
            throw new Error(`MILESTONE_LSP_VSIX must name the packaged extension (got ${vsix})`);
        }
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'milestone-lsp-vscode-'));
        const dirs = {
            userData: path.join(this.root, 'user-data'),
            extensions: path.join(this.root, 'extensions'),
            config: path.join(this.root, 'config.yaml'),
            home: path.join(this.root, 'home'),
        };
        this.dirs = dirs;
        this.workspace = path.join(this.root, 'workspace');
        fs.cpSync(workspaceSource(), this.workspace, { recursive: true });
        fs.mkdirSync(path.join(this.workspace, '.vscode'), { recursive: true });
        this.writeWorkspaceSettings(workspaceSettings);
        prepareWorkspace?.(this.workspace);
        fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
        fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
        fs.mkdirSync(dirs.home, { recursive: true });
        fs.mkdirSync(ARTIFACTS, { recursive: true });

        this.port = await freePort();
        fs.writeFileSync(dirs.config, `bind-addr: 127.0.0.1:${this.port}\nauth: none\ncert: false\n`);
        // code-server must not read or write the real user's config and data.
        const env = {
            ...process.env,
            XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
            XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
            XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
        };
        this.env = env;

        const install = spawnSync(
            process.execPath,
            [CODE_SERVER_ENTRY, ...codeServerArgs(dirs), '--force', '--install-extension', vsix],
            { env, encoding: 'utf8', timeout: 180_000 },
        );
        if (install.status !== 0) {
            throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
        }

        this.serverLog = path.join(ARTIFACTS, 'code-server.log');
        const log = fs.openSync(this.serverLog, 'w');
        // detached: a new session and process group (setsid), killed as a whole in stop().
        this.process = spawn(
            process.execPath,
            [
                CODE_SERVER_ENTRY,
                ...codeServerArgs(dirs),
                '--bind-addr', `127.0.0.1:${this.port}`,
                '--auth', 'none',
                '--disable-telemetry',
                '--disable-update-check',
                '--disable-workspace-trust',
                '--disable-getting-started-override',
                '--ignore-last-opened',
                this.workspace,
            ],
            { env, detached: true, stdio: ['ignore', log, log] },
        );
        fs.closeSync(log);
        // If the test runner itself is stopped (timeout, Ctrl+C), take code-server's group with it.
        const pgid = this.process.pid;
        const killGroup = () => {
            try {
                process.kill(-pgid, 'SIGKILL');
            } catch {
                // already gone
            }
        };
        process.once('exit', killGroup);
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
            process.once(signal, () => {
                killGroup();
                process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
            });
        }
        this.baseUrl = `http://127.0.0.1:${this.port}`;
        await waitFor('code-server to answer HTTP', async () => {
            if (this.process.exitCode !== null) {
                throw new Error(`code-server exited with ${this.process.exitCode}; see ${this.serverLog}`);
            }
            const status = await httpStatus(`${this.baseUrl}/healthz`);
            return status === 200;
        }, { timeoutMs: 120_000 });

        this.browser = await chromium.launch({
            executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
            headless: true,
            args: [
                '--headless',
                '--no-sandbox',
                '--disable-gpu',
                '--disable-dev-shm-usage',
                '--disable-background-networking',
                '--disable-component-update',
                '--no-first-run',
                '--disable-sync',
            ],
        });
        this.page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
        this.consoleLines = [];
        this.page.on('console', (message) => this.consoleLines.push(`[${message.type()}] ${message.text()}`));
        this.page.on('pageerror', (error) => this.consoleLines.push(`[pageerror] ${error.message}`));
        await this.page.goto(`${this.baseUrl}/?folder=${encodeURIComponent(this.workspace)}`);
        await this.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
        // The explorer shows the workspace's files once the remote connection is up.
        await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 120_000 });
    }

    writeWorkspaceSettings(settings) {
        fs.writeFileSync(path.join(this.workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
    }

    /** Text of the extension's `milestone-lsp` log channel, as VS Code writes it to disk. */
    outputChannelText() {
        return findFiles(this.dirs.userData, /milestone-lsp.*\.log$/)
            .map((file) => fs.readFileSync(file, 'utf8'))
            .join('\n');
    }

    async screenshot(name) {
        const file = path.join(ARTIFACTS, `${name}.png`);
        await this.page.screenshot({ path: file });
        return file;
    }

    /** Run a command from the palette by its title, e.g. "View: Focus Problems". */
    async runCommand(title) {
        const page = this.page;
        await this.dismissWidgets();
        await page.keyboard.press('F1');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill(`>${title}`);
        const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
        await row.waitFor({ state: 'visible', timeout: 30_000 });
        await page.keyboard.press('Enter');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 }).catch(() => undefined);
    }

    /** Open a workspace file by name with Quick Open and wait for its editor. */
    async openFile(name) {
        const page = this.page;
        const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
        for (let attempt = 1; ; attempt++) {
            await this.dismissWidgets();
            await page.keyboard.press('Control+P');
            const input = page.locator('.quick-input-widget input.input');
            await input.waitFor({ state: 'visible', timeout: 30_000 });
            await input.fill(name);
            try {
                await row.waitFor({ timeout: 10_000 });
                break;
            } catch (error) {
                // Quick Open's file search can come back empty while code-server is still
                // reading the folder: close it and ask again.
                if (attempt === 3) throw error;
                await page.keyboard.press('Escape');
            }
        }
        await page.keyboard.press('Enter');
        await page.locator(`.tab[aria-label^="${name}"]`).first().waitFor({ timeout: 30_000 });
        await this.activeEditorLines().first().waitFor({ timeout: 30_000 });
    }

    /** Move the cursor to a 1-based line (and column) of the active editor; Go to Line centres it. */
    async goToLine(line, column) {
        const page = this.page;
        await this.dismissWidgets();
        // Go to Line is a quick-access picker: it acts on the active editor from any focus.
        await page.keyboard.press('Control+G');
        const input = page.locator('.quick-input-widget input.input');
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        await input.fill(column ? `:${line}:${column}` : `:${line}`);
        await page.keyboard.press('Enter');
        await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
        await waitFor(`the cursor to reach line ${line}`, async () =>
            /Ln (\d+)/.exec(await page.locator('.statusbar').innerText())?.[1] === String(line),
        );
    }

    /** Close hovers, menus and pickers left open, so the next click reaches its target. */
    async dismissWidgets() {
        const page = this.page;
        await page.mouse.move(1, 1);
        for (let i = 0; i < 3; i++) {
            const open = await page.locator('.context-view-block, .action-widget:visible, .quick-input-widget:visible, .monaco-hover:visible').count();
            if (open === 0) {
                return;
            }
            await page.keyboard.press('Escape');
        }
    }

    activeEditor() {
        return this.page.locator('.editor-group-container.active .monaco-editor').first();
    }

    activeEditorLines() {
        return this.activeEditor().locator('.view-lines .view-line');
    }

    /** The rendered lines of the active editor, top to bottom (only those scrolled into view). */
    async visibleLines() {
        const lines = this.activeEditorLines();
        const items = await lines.evaluateAll((elements) =>
            elements.map((element) => ({ top: parseFloat(element.style.top || '0'), text: element.textContent ?? '' })),
        );
        return items.sort((a, b) => a.top - b.top).map((item) => item.text.replace(/\u00a0/g, ' '));
    }

    async stop() {
        const problems = [];
        try {
            if (this.page && this.consoleLines) {
                fs.writeFileSync(path.join(ARTIFACTS, 'browser-console.log'), this.consoleLines.join('\n'));
            }
            if (this.dirs) {
                fs.writeFileSync(path.join(ARTIFACTS, 'milestone-lsp-output.log'), this.outputChannelText());
            }
        } catch (error) {
            problems.push(error);
        }
        await this.browser?.close().catch((error) => problems.push(error));
        if (this.process && this.process.exitCode === null) {
            const pgid = this.process.pid;
            try {
                process.kill(-pgid, 'SIGTERM');
            } catch {
                // already gone
            }
            const exited = await Promise.race([
                once(this.process, 'exit').then(() => true),
                new Promise((resolve) => setTimeout(() => resolve(false), 10_000)),
            ]);
            // The group also holds the extension host and our Python server: make sure all of it ends.
            try {
                process.kill(-pgid, 'SIGKILL');
            } catch {
                // the whole group is gone already
            }
            if (!exited) {
                problems.push(new Error('code-server did not stop on SIGTERM within 10 s; killed'));
            }
        }
        if (this.root && !process.env.MILESTONE_LSP_KEEP_TMP) {
            fs.rmSync(this.root, { recursive: true, force: true });
        }
        if (problems.length > 0) {
            console.error('cleanup problems:', problems);
        }
    }
}
