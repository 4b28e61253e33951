// The namespace lab lives in src/demo (the demo uses it too); tests import it from here.
export { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../../src/demo/netns-lab.js';
