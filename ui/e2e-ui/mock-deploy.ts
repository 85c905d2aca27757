// The Deploy panel's commands for the fast UI test, answering like src-tauri/src/deploy.rs:
// the engines, a deploy whose progress goes through the real Channel callbacks and which the
// test releases by hand (so it can look at the panel mid-deploy), the three outcomes, a
// rollback and the history the deploys leave behind.
import type { DeployEvent } from '../src/lib/bindings/DeployEvent';
import type { DeployRecord } from '../src/lib/bindings/DeployRecord';
import type { DeployReport } from '../src/lib/bindings/DeployReport';
import type { DeployTarget } from '../src/lib/bindings/DeployTarget';
import type { Environment } from '../src/lib/bindings/Environment';

export type DeployScenario = 'deployed' | 'rolled_back' | 'refused';

export const deployControls = {
  scenario: 'deployed' as DeployScenario,
  /** Let the deploy finish (call after looking at the mid-deploy state). */
  release: () => {},
  history: [] as DeployRecord[],
};

interface ChannelLike {
  id: number;
}
const indexes = new Map<number, number>();
let cancel = () => {};
function send(ch: ChannelLike, message: DeployEvent): void {
  const index = indexes.get(ch.id) ?? 0;
  indexes.set(ch.id, index + 1);
  const internals = (window as unknown as { __TAURI_INTERNALS__: { runCallback(id: number, data: unknown): void } })
    .__TAURI_INTERNALS__;
  internals.runCallback(ch.id, { index, message });
}

const TARGETS: DeployTarget[] = [
  { engine: null, label: 'this engine (well-known socket (Docker Engine))', address: 'unix:///var/run/docker.sock' },
  { engine: 'unix:///run/berth-dockerd2/docker.sock', label: 'DOCKER_HOST', address: 'unix:///run/berth-dockerd2/docker.sock' },
  { engine: 'staging', label: 'context staging', address: 'tcp://10.0.0.7:2376' },
];

function address(engine: string | null): string {
  return TARGETS.find((t) => t.engine === engine)?.address ?? engine ?? 'unix:///var/run/docker.sock';
}

function live(env: Environment, engine: string): DeployRecord | undefined {
  return [...deployControls.history].reverse().find((h) => h.env === env && h.engine === engine && h.outcome === 'deployed');
}

let versions = 0;
function report(scenario: DeployScenario, env: Environment, engine: string): DeployReport {
  const version = `c0ffee${++versions}`;
  const previous = live(env, engine)?.version ?? null;
  const validated = [
    { name: 'app', ok: true, detail: "Berth's plan (rendered in memory)" },
    scenario === 'refused'
      ? { name: 'check', ok: false, detail: 'BERTH012 secret in the build context: .env is copied into the image' }
      : { name: 'check', ok: true, detail: 'no finding at or above high (3 below)' },
    { name: 'engine', ok: true, detail: `${engine} answers` },
  ];
  if (scenario !== 'refused') validated.push({ name: 'port', ok: true, detail: '5000 is free' }, { name: 'environment', ok: true, detail: `${env} settings apply` });
  return {
    version,
    engine,
    env,
    validated,
    outcome: scenario,
    url: scenario === 'deployed' ? 'http://localhost:5000' : null,
    previous,
    reason:
      scenario === 'refused'
        ? 'check: BERTH012 secret in the build context: .env is copied into the image'
        : scenario === 'rolled_back'
          ? 'the new version was not healthy within 60 s'
          : null,
    image: `berth-flask-redis-a1b2c3:${version}`,
    container: scenario === 'deployed' ? `berth-flask-redis-a1b2c3-${env}` : null,
    host_port: scenario === 'deployed' ? 5000 : null,
    last_logs: scenario === 'rolled_back' ? ['[INFO] Booting worker', "ModuleNotFoundError: No module named 'redis'"] : [],
    notes: [],
  };
}

function remember(r: DeployReport, action: 'deploy' | 'rollback'): void {
  deployControls.history.push({
    version: r.version,
    image: r.image,
    env: r.env,
    engine: r.engine,
    at: `2026-12-01T04:${String(10 + deployControls.history.length).padStart(2, '0')}:00Z`,
    action,
    outcome: r.outcome,
    host_port: r.host_port,
    container_port: 8080,
    reason: r.reason,
  });
}

/** Answers a deploy command; `handled` false for any other. */
export async function deployCommand(cmd: string, a: Record<string, unknown>): Promise<{ handled: boolean; value?: unknown }> {
  const c = deployControls;
  switch (cmd) {
    case 'deploy_targets':
      return { handled: true, value: TARGETS };
    case 'deploy_history':
      return { handled: true, value: structuredClone(c.history) };
    case 'cancel_deploy':
      cancel();
      return { handled: true, value: true };
    case 'deploy_project': {
      const ch = a.onEvent as ChannelLike;
      const env = a.env as Environment;
      const engine = address((a.engine as string | null) ?? null);
      send(ch, { type: 'step', message: `validated the files and ${engine}` });
      if (c.scenario !== 'refused') {
        send(ch, { type: 'step', message: 'building the image' });
        send(ch, { type: 'build', event: { type: 'step', n: 1, total: 2, instruction: 'FROM python:3.12-slim' } });
        await new Promise<void>((r, reject) => {
          c.release = r;
          cancel = () => reject({ kind: 'cancelled', message: 'cancelled' });
        });
        send(ch, { type: 'build', event: { type: 'step', n: 2, total: 2, instruction: 'COPY . .' } });
        send(ch, { type: 'build', event: { type: 'built', image_id: 'sha256:feed' } });
        send(ch, { type: 'step', message: c.scenario === 'deployed' ? 'the new version is healthy: switching the port' : 'the new version is not healthy: removing it' });
      }
      const r = report(c.scenario, env, engine);
      remember(r, 'deploy');
      return { handled: true, value: r };
    }
    case 'rollback_project': {
      const ch = a.onEvent as ChannelLike;
      const env = a.env as Environment;
      const engine = address((a.engine as string | null) ?? null);
      const now = live(env, engine);
      const before = [...c.history].reverse().find((h) => h.env === env && h.engine === engine && h.outcome === 'deployed' && h.version !== now?.version);
      if (!before) throw { kind: 'invalid_input', message: `no earlier healthy ${env} deployment on ${engine} with its image still kept` };
      send(ch, { type: 'step', message: `${before.version} is healthy: switching the port` });
      const r: DeployReport = { ...report('deployed', env, engine), version: before.version, image: before.image, previous: now?.version ?? null };
      remember(r, 'rollback');
      return { handled: true, value: r };
    }
    default:
      return { handled: false };
  }
}
