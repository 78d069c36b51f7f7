// Savitzky–Golay filtering and the split-point search of ai_chunk_semantic (NODES 17.5, steps 4–7). The
// arithmetic follows the contract step by step, because split points must match the original's.

/** Solve for (AᵀA)⁻¹ by Gauss–Jordan elimination with partial pivoting; null when a pivot is < 1e-10. */
function invert(m: number[][]): number[][] | null {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    if (Math.abs(a[piv]![col]!) < 1e-10) return null;
    if (piv !== col) [a[piv], a[col]] = [a[col]!, a[piv]!];
    const row = a[col]!;
    const d = row[col]!;
    for (let j = 0; j < 2 * n; j++) row[j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const other = a[r]!;
      const f = other[col]!;
      if (f === 0) continue;
      for (let j = 0; j < 2 * n; j++) other[j]! -= f * row[j]!;
    }
  }
  return a.map((row) => row.slice(n));
}

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/**
 * Filter coefficients for an odd `window`, polynomial `order` and derivative `deriv`:
 * c[i] = deriv! × Σ_k (AᵀA)⁻¹[deriv][k] × A[i][k], with A[i][j] = x_i^j and x_i = i − (window−1)/2.
 * A derivative above the order is identically zero. Null when the window is even or not above the order,
 * or the matrix is singular.
 */
export function savgolCoefficients(window: number, order: number, deriv: number): number[] | null {
  if (window < 1 || window % 2 === 0 || window <= order || order < 0) return null;
  if (deriv > order) return new Array<number>(window).fill(0);
  const half = (window - 1) / 2;
  const cols = order + 1;
  const a: number[][] = [];
  for (let i = 0; i < window; i++) {
    const x = i - half;
    const row: number[] = [];
    for (let j = 0; j < cols; j++) row.push(x ** j);
    a.push(row);
  }
  const ata: number[][] = [];
  for (let j = 0; j < cols; j++) {
    const row: number[] = [];
    for (let k = 0; k < cols; k++) {
      let s = 0;
      for (let i = 0; i < window; i++) s += a[i]![j]! * a[i]![k]!;
      row.push(s);
    }
    ata.push(row);
  }
  const inv = invert(ata);
  if (!inv) return null;
  const f = factorial(deriv);
  const c: number[] = [];
  for (let i = 0; i < window; i++) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += inv[deriv]![k]! * a[i]![k]!;
    c.push(f * s);
  }
  return c;
}

/** Apply the filter with mirror reflection at both ends (r(q) = −q below 0, 2L − q − 2 from L). */
export function savgolFilter(
  data: readonly number[],
  window: number,
  order: number,
  deriv: number,
): number[] | null {
  const c = savgolCoefficients(window, order, deriv);
  if (!c) return null;
  const n = data.length;
  const half = (window - 1) / 2;
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < window; j++) {
      let q = i - half + j;
      if (q < 0) q = -q;
      else if (q >= n) q = 2 * n - q - 2;
      q = Math.min(Math.max(q, 0), n - 1);
      s += data[q]! * c[j]!;
    }
    out[i] = s;
  }
  return out;
}

/** An odd window: min(w, L), minus one when even, at least 3, at most L. */
export function oddClamp(w: number, length: number): number {
  let x = Math.min(w, length);
  if (x % 2 === 0) x -= 1;
  x = Math.max(x, 3);
  return Math.min(x, length);
}

export function cosine(a: readonly number[], b: readonly number[]): number | undefined {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return undefined;
  return dot / (Math.sqrt(na) * Math.sqrt(nb));
}

/**
 * Step 4: d[i] for i = 0..n−2 is 1 − the mean cosine similarity of the adjacent pairs (j, j+1) with
 * j from max(0, i−h) to min(n, i+h+2) − 2, h = ⌊simWindow/2⌋; pairs with a zero vector are skipped and a
 * window without any pair averages 0.
 */
export function distanceCurve(vectors: readonly (readonly number[])[], simWindow: number): number[] {
  const n = vectors.length;
  const pair: Array<number | undefined> = [];
  for (let j = 0; j + 1 < n; j++) pair.push(cosine(vectors[j]!, vectors[j + 1]!));
  const h = Math.floor(simWindow / 2);
  const d: number[] = [];
  for (let i = 0; i + 1 < n; i++) {
    let sum = 0;
    let count = 0;
    const hi = Math.min(n, i + h + 2) - 2;
    for (let j = Math.max(0, i - h); j <= hi; j++) {
      const s = pair[j];
      if (s === undefined) continue;
      sum += s;
      count++;
    }
    d.push(1 - (count > 0 ? sum / count : 0));
  }
  return d;
}

export interface SplitOptions {
  sgWindow: number;
  polyOrder: number;
  threshold: number;
  minDistance: number;
}

/**
 * Steps 5–7: smooth the curve, find its local minima (|first derivative| < 0.1 and second > 0) and keep
 * those at or under the `threshold` percentile, at least `minDistance` apart. Returns indices into the
 * curve: index s means "cut after sentence s".
 */
export function splitPoints(d: readonly number[], o: SplitOptions): number[] {
  const len = d.length;
  if (len === 0) return [];
  const w = oddClamp(o.sgWindow, len);
  let smooth: readonly number[] = d;
  if (w > o.polyOrder && w >= 3) smooth = savgolFilter(d, w, o.polyOrder, 0) ?? d;
  const m = oddClamp(Math.max(w, 5), len);
  if (!(m >= 3 && m > o.polyOrder)) return [];
  const first = savgolFilter(smooth, m, o.polyOrder, 1);
  const second = savgolFilter(smooth, m, o.polyOrder, 2);
  if (!first || !second) return [];
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < len; i++) {
    if (Math.abs(first[i]!) < 0.1 && second[i]! > 0) {
      idx.push(i);
      val.push(smooth[i]!);
    }
  }
  if (idx.length === 0) return [];
  const sorted = [...val].sort((a, b) => a - b);
  const pos = o.threshold * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const t = sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  const kept: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const last = kept.at(-1);
    if (val[k]! <= t && (last === undefined || i >= last + o.minDistance)) kept.push(i);
  }
  return kept;
}
