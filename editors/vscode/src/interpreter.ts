/**
 * Finding the Python that runs the server.
 *
 * Order: the `milestoneLsp.interpreter` setting; else the Python extension's active interpreter
 * (if that extension is installed: it is an optional companion, not an extensionDependency);
 * else `python3` on PATH. Every candidate is probed by running it, so a wrong path, a missing
 * executable or a too-old Python is reported before the language client tries to start.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** Our package needs this (pyproject: requires-python >= 3.11). */
export const MIN_PYTHON: readonly [number, number] = [3, 11];

const PROBE_TIMEOUT_MS = 20_000;

// Prints one JSON line; find_spec tells whether `fromEnvironment` can work with this interpreter.
const PROBE_SCRIPT = [
    'import importlib.util, json, sys',
    'print(json.dumps({"version": list(sys.version_info[:3]), "executable": sys.executable,',
    '  "hasServer": importlib.util.find_spec("milestone_lsp") is not None}))',
].join('\n');

export type InterpreterSource = 'setting' | 'python extension' | 'PATH';

export interface Interpreter {
    /** Command that starts this Python, e.g. ["/usr/bin/python3"] or ["uv", "run", "python"]. */
    command: string[];
    source: InterpreterSource;
    version: [number, number, number];
    executable: string;
    /** Whether `import milestone_lsp` works in this environment. */
    hasServer: boolean;
}

export interface Rejected {
    command: string[];
    source: InterpreterSource;
    reason: string;
}

export type Resolution = { ok: true; interpreter: Interpreter; rejected: Rejected[] } | { ok: false; rejected: Rejected[] };

/** Extra requirement on a working interpreter (e.g. "a bundled build exists for its version"). */
export type Acceptance = (interpreter: Interpreter) => string | undefined;

interface Candidate {
    command: string[];
    source: InterpreterSource;
}

/** Resolve the interpreter; when the setting names one, it is the only candidate. */
export async function resolveInterpreter(
    configured: string[],
    folder: vscode.WorkspaceFolder | undefined,
    accept: Acceptance,
    log: vscode.LogOutputChannel,
): Promise<Resolution> {
    const candidates: Candidate[] = [];
    if (configured.length > 0) {
        candidates.push({ command: configured.map((part) => expand(part, folder)), source: 'setting' });
    } else {
        const fromExtension = await pythonExtensionInterpreter(folder, log);
        if (fromExtension) {
            candidates.push({ command: [fromExtension], source: 'python extension' });
        }
        candidates.push({ command: [process.platform === 'win32' ? 'python' : 'python3'], source: 'PATH' });
    }

    const rejected: Rejected[] = [];
    for (const candidate of candidates) {
        const probed = await probe(candidate, folder);
        if ('reason' in probed) {
            rejected.push(probed);
            log.warn(`Interpreter ${display(candidate.command)} (${candidate.source}) rejected: ${probed.reason}`);
            continue;
        }
        const tooOld = compareVersion(probed.version, MIN_PYTHON) < 0;
        const reason = tooOld
            ? `it is Python ${probed.version.join('.')}; milestone-lsp needs ${MIN_PYTHON.join('.')} or newer`
            : accept(probed);
        if (reason) {
            rejected.push({ ...candidate, reason });
            log.warn(`Interpreter ${display(candidate.command)} (${candidate.source}) rejected: ${reason}`);
            continue;
        }
        log.info(
            `Using Python ${probed.version.join('.')} at ${probed.executable} (from ${candidate.source}: ${display(candidate.command)})`,
        );
        return { ok: true, interpreter: probed, rejected };
    }
    return { ok: false, rejected };
}

/** Quote a command for messages. */
export function display(command: string[]): string {
    return command.map((part) => (/\s/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

function compareVersion(a: readonly number[], b: readonly number[]): number {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const diff = (a[i] ?? 0) - (b[i] ?? 0);
        if (diff !== 0) {
            return diff;
        }
    }
    return 0;
}

function expand(part: string, folder: vscode.WorkspaceFolder | undefined): string {
    let result = part;
    if (folder) {
        result = result.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
    }
    result = result.replace(/\$\{userHome\}/g, os.homedir());
    if (result === '~' || result.startsWith('~/')) {
        result = path.join(os.homedir(), result.slice(1));
    }
    return result;
}

function probe(candidate: Candidate, folder: vscode.WorkspaceFolder | undefined): Promise<Interpreter | Rejected> {
    const [file, ...args] = candidate.command;
    // A path that names no file gets a message about the path, not a spawn error code.
    if ((path.isAbsolute(file) || file.includes('/')) && !fs.existsSync(file)) {
        return Promise.resolve({ ...candidate, reason: `no file at ${file}` });
    }
    return new Promise((resolve) => {
        execFile(
            file,
            [...args, '-c', PROBE_SCRIPT],
            { timeout: PROBE_TIMEOUT_MS, cwd: folder?.uri.fsPath, windowsHide: true },
            (error, stdout, stderr) => {
                if (error) {
                    const code = (error as NodeJS.ErrnoException).code;
                    const reason =
                        code === 'ENOENT'
                            ? `${file} was not found`
                            : code === 'EACCES'
                              ? `${file} is not executable`
                              : `running it failed: ${(stderr || error.message).trim().split('\n').slice(-1)[0]}`;
                    resolve({ ...candidate, reason });
                    return;
                }
                try {
                    const line = stdout.trim().split('\n').slice(-1)[0];
                    const info = JSON.parse(line) as { version: [number, number, number]; executable: string; hasServer: boolean };
                    resolve({ ...candidate, version: info.version, executable: info.executable, hasServer: info.hasServer });
                } catch {
                    resolve({ ...candidate, reason: `it did not behave like Python (printed ${JSON.stringify(stdout.slice(0, 200))})` });
                }
            },
        );
    });
}

// The part of the Python extension's API that we use (see its `@vscode/python-extension` typings).
interface PythonExtensionApi {
    environments?: {
        getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
        resolveEnvironment(path: string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
        onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
    };
}

const PYTHON_EXTENSION_ID = 'ms-python.python';

async function pythonExtensionApi(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    return extension.isActive ? extension.exports : await extension.activate();
}

async function pythonExtensionInterpreter(
    folder: vscode.WorkspaceFolder | undefined,
    log: vscode.LogOutputChannel,
): Promise<string | undefined> {
    try {
        const environments = (await pythonExtensionApi())?.environments;
        if (!environments) {
            return undefined;
        }
        const active = environments.getActiveEnvironmentPath(folder?.uri);
        const resolved = await environments.resolveEnvironment(active.path);
        return resolved?.executable.uri?.fsPath;
    } catch (error) {
        log.warn(`Could not ask the Python extension for its interpreter: ${String(error)}`);
        return undefined;
    }
}

/** Fires when the Python extension's active interpreter changes (never, if it is not installed). */
export async function onPythonInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
    try {
        return (await pythonExtensionApi())?.environments?.onDidChangeActiveEnvironmentPath(listener);
    } catch {
        return undefined;
    }
}
