// The namespace lab lives in src/demo (the demo uses it too); tests import it from here, which
// also makes a signal that ends the test process remove its namespaces and processes.
import { installSignalCleanup } from './signal-cleanup.js';

export { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../../src/demo/netns-lab.js';
export { trackNetns } from './signal-cleanup.js';

installSignalCleanup();
