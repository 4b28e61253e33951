// The stop signals of the long-running commands (agent, operator, tcp-relay), installed before
// their start: a SIGTERM that lands while they start asks for a clean stop once the start is
// done, instead of the signal's default action killing the process half-way (sockets, CNI
// files, a held Lease left behind). Further signals change nothing: the stop under way ends
// within its grace period.

/** Resolves at the first of the signals; `onFirst` runs then (e.g. a grace timer). */
export function whenStopAsked(onFirst: () => void = () => {}, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let isAsked = false;
    const ask = (signal: NodeJS.Signals): void => {
      if (isAsked) return;
      isAsked = true;
      onFirst();
      resolve(signal);
    };
    for (const s of signals) process.on(s, ask);
  });
}
