// The containers list in sections: a compose project's containers under one header (as
// Docker Desktop shows them), lone containers between. Pure; tested in groups.test.ts.
import type { ContainerInfo } from '../bindings/ContainerInfo';

/** A stretch of the list: a compose project's containers (`project` set), or lone ones. */
export interface Section<R> {
  /** The compose project (`ContainerInfo.compose_project`), null for lone containers. */
  project: string | null;
  rows: R[];
}

/**
 * The list's sections, in list order: a compose project's section stands where its first
 * container would, with all of its containers; consecutive lone containers share a section.
 */
export function sections<R extends { info: ContainerInfo }>(rows: readonly R[]): Section<R>[] {
  const out: Section<R>[] = [];
  const byProject = new Map<string, Section<R>>();
  for (const row of rows) {
    const project = row.info.compose_project;
    if (project === null) {
      const last = out[out.length - 1];
      if (last && last.project === null) last.rows.push(row);
      else out.push({ project: null, rows: [row] });
      continue;
    }
    const known = byProject.get(project);
    if (known) known.rows.push(row);
    else {
      const s = { project, rows: [row] };
      byProject.set(project, s);
      out.push(s);
    }
  }
  return out;
}

/** A group's header: how many containers, how many run, and what the running ones use. */
export function groupSummary<R extends { running: boolean; cpu: number | null; mem: number | null }>(
  rows: readonly R[],
): { count: number; running: number; cpu: number; mem: number } {
  let running = 0;
  let cpu = 0;
  let mem = 0;
  for (const r of rows) {
    if (!r.running) continue;
    running++;
    cpu += r.cpu ?? 0;
    mem += r.mem ?? 0;
  }
  return { count: rows.length, running, cpu, mem };
}
