// The sign test: over paired runs (one split of the labeled images each), is the first of two
// methods higher more often than chance allows? Exact and one-sided: under "neither is better",
// each untied pair is a fair coin, so the chance of at least `wins` heads in `wins + losses`
// tosses is the p-value. Ties carry no sign and are left out, as the test prescribes.

export interface SignTest {
  /** Pairs where the first value is higher. */
  wins: number;
  /** Pairs where the second is higher. */
  losses: number;
  ties: number;
  /** P(at least `wins` of `wins + losses` fair coin tosses come up heads); 1 when every pair ties. */
  p: number;
}

/** C(n, k) as a float: exact for the few dozen pairs a study runs. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** One-sided exact sign test of "first > second" over pairs [first, second]. */
export function signTest(pairs: readonly (readonly [number, number])[]): SignTest {
  const wins = pairs.filter(([a, b]) => a > b).length;
  const losses = pairs.filter(([a, b]) => a < b).length;
  const n = wins + losses;
  let tail = 0;
  for (let k = wins; k <= n; k++) tail += choose(n, k);
  return { wins, losses, ties: pairs.length - n, p: n === 0 ? 1 : tail / 2 ** n };
}
