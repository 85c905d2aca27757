import { describe, expect, it } from 'vitest';
import type { Finding } from './bindings/Finding';
import type { ImageAnalysis } from './bindings/ImageAnalysis';
import type { ImageCheck } from './bindings/ImageCheck';
import type { Report } from './bindings/Report';
import type { CheckApi } from './ipc';
import { CheckState, formatSize, groupBySeverity, layerChart, locationLabel, summarize } from './check.svelte';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'BERTH-DF-005',
    severity: 'high',
    title: 'The last USER is root',
    detail: '`USER root` is the last USER',
    fix: 'End the final stage with a non-root USER',
    refs: ['DL3002', 'CKV_DOCKER_8', 'AVD-DS-0002'],
    location: { file: 'Dockerfile', line: 11 },
    ...over,
  };
}

function report(findings: Finding[], target = '/projects/web'): Report {
  return { target, findings, summary: summarize(findings) };
}

const ANALYSIS: ImageAnalysis = {
  image: 'web:dev',
  size_bytes: 150_000_000,
  target_bytes: 100_000_000,
  meets_target: false,
  layers: [
    { created_by: 'ADD rootfs.tar /', size_bytes: 80_000_000, files_added: 3000, wasted_bytes: 0 },
    { created_by: 'RUN apt-get install gcc', size_bytes: 60_000_000, files_added: 900, wasted_bytes: 20_000_000 },
    { created_by: 'ENV X=1', size_bytes: 0, files_added: 0, wasted_bytes: 0 },
    { created_by: 'COPY . /app', size_bytes: 10_000_000, files_added: 40, wasted_bytes: 0 },
  ],
  wasted_bytes: 20_000_000,
  largest_files: [{ path: '/usr/lib/gcc/cc1', size_bytes: 30_000_000, layer: 1 }],
  suggestions: [{ text: 'the build toolchain is in the runtime image (gcc): 40 MB', bytes: 40_000_000 }],
};

function fakeApi() {
  const calls: string[] = [];
  let fail = false;
  const api: CheckApi = {
    async checkFolder(root) {
      calls.push(`folder ${root}`);
      if (fail) throw { kind: 'invalid_input', message: `${root} has no Dockerfile and no compose file` };
      return {
        report: report([
          finding({ severity: 'low', id: 'BERTH-DF-025', location: { file: 'Dockerfile', line: 1 } }),
          finding(),
          finding({ severity: 'critical', id: 'BERTH-RT-010', location: { file: 'compose.yaml', line: 9 } }),
        ]),
        files: [
          { path: 'Dockerfile', text: 'FROM python:3.12-slim\n' },
          { path: 'compose.yaml', text: 'services:\n  app: {}\n' },
        ],
      };
    },
    async checkImage(reference): Promise<ImageCheck> {
      calls.push(`image ${reference}`);
      const f = finding({
        id: 'BERTH-IM-003',
        severity: 'critical',
        location: { image: reference, layer: 1, path: '/root/.ssh/id_rsa' },
      });
      return { report: report([f], reference), analysis: { ...ANALYSIS, image: reference } };
    },
    async checkContainer(name) {
      calls.push(`container ${name}`);
      return report(
        [finding({ id: 'BERTH-RT-001', severity: 'critical', location: { container: name, setting: 'HostConfig.Privileged' } })],
        name,
      );
    },
  };
  return { api, calls, setFail: (v: boolean) => (fail = v) };
}

describe('check helpers', () => {
  it('groups findings by severity, worst first, without empty groups', () => {
    const g = groupBySeverity([finding({ severity: 'low' }), finding({ severity: 'critical' }), finding()]);
    expect(g.map((x) => [x.severity, x.findings.length])).toEqual([
      ['critical', 1],
      ['high', 1],
      ['low', 1],
    ]);
  });

  it('labels file, image and container locations', () => {
    expect(locationLabel(finding())).toBe('Dockerfile:11');
    expect(locationLabel(finding({ location: { image: 'x', layer: 2, path: '/etc/shadow' } }))).toBe('layer 2: /etc/shadow');
    expect(locationLabel(finding({ location: { image: 'x', layer: null, path: 'config.User' } }))).toBe('config.User');
    expect(locationLabel(finding({ location: { container: 'web', setting: 'HostConfig.Privileged' } }))).toBe(
      'HostConfig.Privileged',
    );
  });

  it('states sizes in decimal units, as the target is', () => {
    expect(formatSize(100_000_000)).toBe('100 MB');
    expect(formatSize(412_345_678)).toBe('412 MB');
    expect(formatSize(1_234_567)).toBe('1.2 MB');
    expect(formatSize(999)).toBe('999 B');
  });

  it('lays the layers out as a stacked bar with the target line', () => {
    const c = layerChart(ANALYSIS);
    expect(c.total).toBe(150_000_000);
    expect(c.scale).toBeCloseTo(150_000_000 * 1.08);
    expect(c.target).toBeCloseTo(100 / 162);
    expect(c.bars[1]?.start).toBeCloseTo(80 / 162);
    expect(c.bars[1]?.wastedWidth).toBeCloseTo(20 / 162);
    expect(c.bars[2]?.width).toBe(0);
    expect(c.bars[3]?.start).toBeCloseTo(140 / 162);
    // A small image: the target sets the scale.
    const small = layerChart({ ...ANALYSIS, size_bytes: 5_000_000, layers: [ANALYSIS.layers[3]!] });
    expect(small.target).toBeCloseTo(1 / 1.08);
  });
});

describe('CheckState', () => {
  it('checks the open folder and shows the selected finding in its file', async () => {
    const f = fakeApi();
    const s = new CheckState(f.api);
    await s.checkFolder('/projects/web');
    expect(s.groups.map((g) => g.severity)).toEqual(['critical', 'high', 'low']);
    expect(s.analysis).toBeNull();
    const socket = s.report!.findings.find((x) => x.id === 'BERTH-RT-010')!;
    s.select(socket);
    expect(s.selectedFile).toEqual({ file: 'compose.yaml', line: 9, text: 'services:\n  app: {}\n' });
    // Checking again keeps the selection on the same finding.
    await s.refresh();
    expect(s.selected?.id).toBe('BERTH-RT-010');
    expect(f.calls).toEqual(['folder /projects/web', 'folder /projects/web']);
  });

  it('an image brings its layers; a container its settings and its image', async () => {
    const f = fakeApi();
    const s = new CheckState(f.api);
    await s.checkImage('  web:dev ');
    expect(s.target).toEqual({ kind: 'image', reference: 'web:dev' });
    expect(s.chart?.bars).toHaveLength(4);
    s.select(s.report!.findings[0]!);
    expect(s.selectedFile).toBeNull();
    await s.checkContainer('berth-web', 'web:dev');
    expect(s.selected).toBeNull();
    expect(s.report?.findings.map((x) => x.id)).toEqual(['BERTH-RT-001', 'BERTH-IM-003']);
    expect(s.report?.summary.critical).toBe(2);
    expect(s.analysis?.image).toBe('web:dev');
    expect(f.calls).toEqual(['image web:dev', 'container berth-web', 'image web:dev']);
  });

  it('says why a folder cannot be checked, and a late answer is ignored', async () => {
    const f = fakeApi();
    const s = new CheckState(f.api);
    f.setFail(true);
    await s.checkFolder('/projects/empty');
    expect(s.error?.kind).toBe('invalid_input');
    expect(s.report).toBeNull();
    f.setFail(false);
    const first = s.checkFolder('/projects/web');
    const second = s.checkImage('web:dev');
    await Promise.all([first, second]);
    expect(s.target?.kind).toBe('image');
    expect(s.report?.target).toBe('web:dev');
    expect(s.loading).toBe(false);
  });
});
