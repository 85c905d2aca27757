import { describe, expect, it } from 'vitest';
import { SettingsState } from './settings.svelte';

function fakeApi(initial: boolean, fail = false) {
  let on = initial;
  const calls: boolean[] = [];
  return {
    calls,
    api: {
      launchAtLogin: async () => on,
      setLaunchAtLogin: async (enabled: boolean) => {
        calls.push(enabled);
        if (fail) throw { kind: 'io', message: 'launch at login: read-only home' };
        on = enabled;
        return on;
      },
    },
  };
}

describe('SettingsState', () => {
  it('reads launch at login, then turns it on and off', async () => {
    const { api, calls } = fakeApi(false);
    const s = new SettingsState(api);
    expect(s.launchAtLogin).toBeNull();
    await s.load();
    expect(s.launchAtLogin).toBe(false);
    await s.setLaunchAtLogin(true);
    expect(s.launchAtLogin).toBe(true);
    await s.setLaunchAtLogin(false);
    expect(s.launchAtLogin).toBe(false);
    expect(calls).toEqual([true, false]);
    expect(s.busy).toBe(false);
  });

  it('keeps the setting and shows the error when the system refuses', async () => {
    const { api } = fakeApi(false, true);
    const s = new SettingsState(api);
    await s.load();
    await s.setLaunchAtLogin(true);
    expect(s.launchAtLogin).toBe(false);
    expect(s.error).toEqual({ kind: 'io', message: 'launch at login: read-only home' });
  });

  it('a read that fails leaves the setting unknown with the error', async () => {
    const s = new SettingsState({
      launchAtLogin: async () => {
        throw new Error('no plugin');
      },
      setLaunchAtLogin: async () => true,
    });
    await s.load();
    expect(s.launchAtLogin).toBeNull();
    expect(s.error?.message).toBe('no plugin');
  });
});
