/**
 * Settings: which `milestoneLsp.*` keys stay in the client and which go to the server.
 *
 * The server's keys are not listed here a second time: they are read from this extension's own
 * `contributes.configuration`, so declaring a setting in package.json is all it takes to send it
 * (one config model, the same keys everywhere).
 */
import * as vscode from 'vscode';

export const SECTION = 'milestoneLsp';

/** Keys that configure the client itself and are never sent to the server. */
export const CLIENT_ONLY_KEYS: ReadonlySet<string> = new Set(['interpreter', 'importStrategy', 'trace']);

export type ImportStrategy = 'useBundled' | 'fromEnvironment';

/** The top-level server keys (`rules`, `debounceMs`, ...) declared in package.json. */
export function serverSettingKeys(context: vscode.ExtensionContext): string[] {
    const properties: Record<string, unknown> =
        context.extension.packageJSON?.contributes?.configuration?.properties ?? {};
    const keys = new Set<string>();
    for (const fullKey of Object.keys(properties)) {
        if (!fullKey.startsWith(`${SECTION}.`)) {
            continue;
        }
        const topLevel = fullKey.slice(SECTION.length + 1).split('.')[0];
        if (!CLIENT_ONLY_KEYS.has(topLevel)) {
            keys.add(topLevel);
        }
    }
    return [...keys].sort();
}

/**
 * The settings object the server receives, for one scope (a folder or document URI).
 *
 * Only values the user actually set are sent. The server merges per key: the project's config
 * file wins, editor settings fill the gaps, its own defaults fill the rest. Sending VS Code's
 * defaults would make every key an "editor setting" and override the server's defaults (e.g. its
 * `exclude` list) with copies that may be stale.
 */
export function serverSettings(
    context: vscode.ExtensionContext,
    scope?: vscode.ConfigurationScope,
): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration(SECTION, scope);
    const settings: Record<string, unknown> = {};
    for (const key of serverSettingKeys(context)) {
        const inspected = config.inspect(key);
        const value = inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
        if (value !== undefined) {
            // JSON round trip: configuration values are proxies that must not leak into the protocol.
            settings[key] = JSON.parse(JSON.stringify(value));
        }
    }
    return settings;
}

/** The interpreter setting as a command list; empty when unset. */
export function interpreterSetting(scope?: vscode.ConfigurationScope): string[] {
    const value = vscode.workspace.getConfiguration(SECTION, scope).get<string | string[]>('interpreter');
    if (typeof value === 'string') {
        return value.trim() ? [value.trim()] : [];
    }
    return Array.isArray(value) ? value.filter((part) => typeof part === 'string' && part !== '') : [];
}

export function importStrategy(scope?: vscode.ConfigurationScope): ImportStrategy {
    const value = vscode.workspace.getConfiguration(SECTION, scope).get<string>('importStrategy');
    return value === 'fromEnvironment' ? 'fromEnvironment' : 'useBundled';
}

/** True when a configuration change requires a new server process rather than a settings push. */
export function affectsServerProcess(event: vscode.ConfigurationChangeEvent): boolean {
    return (
        event.affectsConfiguration(`${SECTION}.interpreter`) ||
        event.affectsConfiguration(`${SECTION}.importStrategy`)
    );
}

/** Open the Settings editor on one of our keys (the button of every "cannot start" message). */
export async function openSetting(key: string): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.${key}`);
}
