// Flink's metric endpoints (GET .../metrics): without `get`, the ids available; with `get=a,b`, the values of the
// requested ids that exist, as strings (Flink sends every metric value as a string).
export function metricsAnswer(available: Record<string, number>, get: string | null): Array<{ id: string; value?: string }> {
  if (get === null) return Object.keys(available).map((id) => ({ id }));
  return get
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id in available)
    .map((id) => ({ id, value: String(available[id]) }));
}
