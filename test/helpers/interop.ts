// The opt-in gate of the interop tests: ZTKUBE_ZEROTIER_ONE names a zerotier-one 1.14.1
// binary built elsewhere (nothing in this repository builds or ships one).
import { existsSync } from 'node:fs';
import { test, type TestContext, type TestOptions } from 'node:test';

export const zerotierOne = process.env.ZTKUBE_ZEROTIER_ONE;
const noBinary = !zerotierOne
  ? 'set ZTKUBE_ZEROTIER_ONE=/path/to/zerotier-one to run against ZeroTier One 1.14.1'
  : !existsSync(zerotierOne)
    ? `ZTKUBE_ZEROTIER_ONE=${zerotierOne} does not exist; point it at a zerotier-one 1.14.1 binary`
    : null;

/**
 * Call once at the top of a file. Without the binary none of its tests can run, so the file
 * reports one skipped test `label` with the reason instead of a skip per test. (A bare `#`
 * line on stdout with no test at all would make node 20 list the file itself as a passing
 * test.) Returns `test` that registers only when the binary is there.
 */
export function interopTests(label: string): (name: string, options: TestOptions, fn: (t: TestContext) => Promise<void> | void) => void {
  if (noBinary) test(label, { skip: noBinary }, () => {});
  return (name, options, fn) => {
    if (!noBinary) test(name, options, fn);
  };
}
