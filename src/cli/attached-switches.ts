// zerotier-cli's switches carry their value attached (-D/var/lib/zt, -Tsecret, -H::1,
// -p9993). yargs reads "-Tsecret" as the flags T, s, e, c…, so for the commands that share
// those switches the attached forms are split before yargs sees them. Pure.

/** `-D<v>`, `-T<v>`, `-H<v>`, `-p<v>` → the switch and its value as two words. */
export function splitAttachedSwitches(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    const m = /^-([DTHp])(.+)$/.exec(a);
    if (m && !m[2].startsWith('=')) out.push(`-${m[1]}`, m[2]);
    else out.push(a);
  }
  return out;
}
