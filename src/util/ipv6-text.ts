// RFC 5952 text of an IPv6 address, shared by the sensor's decoder and the policy's address
// parser so that the documents and the policy spell addresses the same way.

/** Eight 16-bit groups → lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::` (the first on a tie). */
export function ipv6Text(g: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: number, b: number) =>
    g
      .slice(a, b)
      .map((x) => x.toString(16))
      .join(':');
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}
