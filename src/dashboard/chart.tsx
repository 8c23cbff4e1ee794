// A small SVG scatter chart of a job's snapshots over time: checkpoints as circles, savepoints as diamonds,
// failed ones as crosses, each point titled (hover, screen readers). Colours come from the theme's variables.
export interface ChartPoint {
  x: number;
  y: number;
  kind: 'checkpoint' | 'savepoint';
  failed: boolean;
  label: string;
}

const W = 480;
const H = 180;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

function ticks(min: number, max: number): number[] {
  return max <= min ? [min] : [min, min + (max - min) / 2, max];
}

export function SnapshotChart(props: { title: string; points: ChartPoint[]; format: (v: number) => string; formatX: (v: number) => string }) {
  const { points } = props;
  if (points.length === 0)
    return (
      <figure class="chart empty">
        <figcaption>{props.title}</figcaption>
        <p>No snapshots yet.</p>
      </figure>
    );
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const y1 = Math.max(1, ...ys);
  const sx = (x: number) => PAD.left + (x1 === x0 ? (W - PAD.left - PAD.right) / 2 : ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right));
  const sy = (y: number) => H - PAD.bottom - (y / y1) * (H - PAD.top - PAD.bottom);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${props.title}: ${points.length} snapshots`}>
        <line class="axis" x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
        {ticks(0, y1).map((t) => (
          <g key={t}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={sy(t)} y2={sy(t)} />
            <text class="tick" x={PAD.left - 6} y={sy(t) + 4} text-anchor="end">
              {props.format(t)}
            </text>
          </g>
        ))}
        <text class="tick" x={PAD.left} y={H - 8}>
          {props.formatX(x0)}
        </text>
        <text class="tick" x={W - PAD.right} y={H - 8} text-anchor="end">
          {props.formatX(x1)}
        </text>
        {points.map((p, i) => {
          const [cx, cy] = [sx(p.x), sy(p.y)];
          const shape = p.failed ? (
            <path class="point failed" d={`M${cx - 5} ${cy - 5}L${cx + 5} ${cy + 5}M${cx + 5} ${cy - 5}L${cx - 5} ${cy + 5}`} />
          ) : p.kind === 'savepoint' ? (
            <path class="point savepoint" d={`M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}Z`} />
          ) : (
            <circle class="point checkpoint" cx={cx} cy={cy} r={4} />
          );
          return (
            <g key={i}>
              <title>{p.label}</title>
              {shape}
            </g>
          );
        })}
      </svg>
      <ul class="legend" aria-hidden="true">
        <li class="checkpoint">checkpoint</li>
        <li class="savepoint">savepoint</li>
        <li class="failed">failed</li>
      </ul>
    </figure>
  );
}
