import { describe, expect, it } from 'vitest';
import { groupSummary, sections } from './groups';
import type { ContainerInfo } from '../bindings/ContainerInfo';

const r = (name: string, compose: string | null) => ({
  info: { name, compose_project: compose } as ContainerInfo,
});

describe('sections', () => {
  it('groups a compose project where its first container stands; lone ones between', () => {
    const rows = [r('a', null), r('web', 'shop'), r('b', null), r('c', null), r('db', 'shop'), r('x', 'blog')];
    expect(sections(rows).map((s) => [s.project, s.rows.map((x) => x.info.name)])).toEqual([
      [null, ['a']],
      ['shop', ['web', 'db']],
      [null, ['b', 'c']],
      ['blog', ['x']],
    ]);
  });
  it('is empty for no rows', () => {
    expect(sections([])).toEqual([]);
  });
});

describe('groupSummary', () => {
  it('counts and sums only the running containers', () => {
    const rows = [
      { running: true, cpu: 10, mem: 100 },
      { running: true, cpu: null, mem: 50 },
      { running: false, cpu: 99, mem: 999 },
    ];
    expect(groupSummary(rows)).toEqual({ count: 3, running: 2, cpu: 10, mem: 150 });
  });
});
