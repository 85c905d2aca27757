// The Settings dialog's state: launch at login (opt-in, off until the user turns it on).
// Tested in settings.test.ts with a fake ShellApi.
import type { ErrorPayload } from './bindings/ErrorPayload';
import { toErrorPayload, type ShellApi } from './ipc';

export class SettingsState {
  /** null until read. */
  launchAtLogin = $state<boolean | null>(null);
  busy = $state(false);
  error = $state.raw<ErrorPayload | null>(null);

  constructor(private api: Pick<ShellApi, 'launchAtLogin' | 'setLaunchAtLogin'>) {}

  async load(): Promise<void> {
    try {
      this.launchAtLogin = await this.api.launchAtLogin();
      this.error = null;
    } catch (e) {
      this.error = toErrorPayload(e);
    }
  }

  /** Turn launch at login on or off; shows what the system now says, or the error. */
  async setLaunchAtLogin(enabled: boolean): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      this.launchAtLogin = await this.api.setLaunchAtLogin(enabled);
      this.error = null;
    } catch (e) {
      this.error = toErrorPayload(e);
    } finally {
      this.busy = false;
    }
  }
}
