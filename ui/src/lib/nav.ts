// The app's views and the URL fragment that selects one (`#containers`), so the shell can
// open on a view (`BERTH_VIEW=containers`) and a reload keeps it.
export type View = 'project' | 'containers';

export function viewFromHash(hash: string): View {
  return hash.replace(/^#/, '') === 'containers' ? 'containers' : 'project';
}

export function hashOf(view: View): string {
  return view === 'project' ? '' : `#${view}`;
}
