// The ten VM states of the API (plus Undefined), and their colours.
export const STATUSES = ['Creating', 'Running', 'Suspending', 'Suspended', 'Resuming', 'Rebooting', 'Terminating', 'Terminated', 'Failed', 'Undefined'];
export const STATUS_COLOR = {
  Creating: '#5b8def', Running: '#2e9d5b', Suspending: '#d79b28', Suspended: '#b57614', Resuming: '#5b8def',
  Rebooting: '#7a5bef', Terminating: '#8b8b8b', Terminated: '#555', Failed: '#c8372d', Undefined: '#aa7a7a', NotExist: '#555',
};
// "Partial-Running:2 (R:2/3)" → "Running"; used to colour a whole MCIS.
export function mainStatus(s) {
  const m = /^(?:Partial-)?([A-Za-z]+)/.exec(s || '');
  return m ? m[1] : 'Undefined';
}
