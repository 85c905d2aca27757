// The app's views and the URL fragment that selects one (`#containers`), so the shell can
// open on a view (`BERTH_VIEW=containers`) and a reload keeps it.
export type View = 'project' | 'containers' | 'check';

export function viewFromHash(hash: string): View {
  const h = hash.replace(/^#/, '');
  return h === 'containers' || h === 'check' ? h : 'project';
}

export function hashOf(view: View): string {
  return view === 'project' ? '' : `#${view}`;
}
