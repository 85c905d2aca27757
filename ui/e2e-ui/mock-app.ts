// The shell's side of the mock backend: the launch-requests channel (the test sends what a
// second `berth-app PATH` would with window.__berth.request()) and launch at login.
import type { AppRequest } from '../src/lib/bindings/AppRequest';

let channel: { id: number } | null = null;
let index = 0;
let loginItem = false;
/** Queued until the UI listens, as the Rust side does. */
const pending: AppRequest[] = [];

function deliver(r: AppRequest) {
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
    .__TAURI_INTERNALS__;
  internals.runCallback(channel!.id, { index: index++, message: r });
}

/** What a later launch asks (or the app's own arguments, before the UI listens). */
export function request(r: AppRequest) {
  if (channel) deliver(r);
  else pending.push(r);
}

export function loginEnabled(): boolean {
  return loginItem;
}

export function appCommand(cmd: string, a: Record<string, unknown>): { handled: boolean; value?: unknown } {
  switch (cmd) {
    case 'app_requests':
      channel = a.onRequest as { id: number };
      for (const r of pending.splice(0)) deliver(r);
      return { handled: true, value: null };
    case 'launch_at_login':
      return { handled: true, value: loginItem };
    case 'set_launch_at_login':
      loginItem = a.enabled as boolean;
      return { handled: true, value: loginItem };
    default:
      return { handled: false };
  }
}
