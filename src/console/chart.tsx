/** @jsxImportSource hono/jsx */
/**
 * Alerts over time as a bar chart drawn on the server in SVG (no script, no chart library): one bar
 * per time bucket over the selected range, the tallest bar's count and the range's ends as labels, and
 * each bar's count and time in its tooltip.
 */
import type { FC } from 'hono/jsx'
import { count, formatTime } from './layout'

export interface ChartRange {
  /** Epoch ms, inclusive. */
  from: number
  /** Epoch ms, exclusive. */
  to: number
  bucketMs: number
}

const WIDTH = 640
const HEIGHT = 120
const LEFT = 34
const BOTTOM = 18

export const AlertsChart: FC<{ range: ChartRange; buckets: { bucket: number; count: number }[] }> = ({
  range,
  buckets,
}) => {
  const first = Math.floor(range.from / range.bucketMs) * range.bucketMs
  const slots = Math.max(1, Math.ceil((range.to - first) / range.bucketMs))
  const byStart = new Map(buckets.map((b) => [b.bucket, b.count]))
  const values = Array.from({ length: slots }, (_, i) => byStart.get(first + i * range.bucketMs) ?? 0)
  const max = Math.max(1, ...values)
  const total = values.reduce((a, b) => a + b, 0)
  const plotW = WIDTH - LEFT - 4
  const plotH = HEIGHT - BOTTOM - 6
  const slotW = plotW / slots
  const barW = Math.max(1, slotW * 0.8)
  return (
    <figure class="chart panel">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Alerts over time: ${count(total)} in the range, at most ${count(max)} per bar`}
      >
        <line class="axis" x1={LEFT} y1={HEIGHT - BOTTOM} x2={WIDTH - 4} y2={HEIGHT - BOTTOM} />
        <line class="axis" x1={LEFT} y1={6} x2={LEFT} y2={HEIGHT - BOTTOM} />
        <text x={LEFT - 4} y={12} text-anchor="end">
          {count(max)}
        </text>
        <text x={LEFT - 4} y={HEIGHT - BOTTOM} text-anchor="end">
          0
        </text>
        {values.map((v, i) => {
          const h = (v / max) * plotH
          const start = first + i * range.bucketMs
          return v === 0 ? null : (
            <rect class="bar" x={LEFT + i * slotW + (slotW - barW) / 2} y={HEIGHT - BOTTOM - h} width={barW} height={h}>
              <title>{`${count(v)} alert${v === 1 ? '' : 's'} from ${formatTime(start)}`}</title>
            </rect>
          )
        })}
        <text x={LEFT} y={HEIGHT - 4}>
          {formatTime(first)}
        </text>
        <text x={WIDTH - 4} y={HEIGHT - 4} text-anchor="end">
          {formatTime(range.to)}
        </text>
      </svg>
      <figcaption class="muted small">
        {count(total)} alert{total === 1 ? '' : 's'} created in this range, one bar per{' '}
        {describeBucket(range.bucketMs)}.
      </figcaption>
    </figure>
  )
}

function describeBucket(ms: number): string {
  const minutes = ms / 60_000
  if (minutes < 60) return `${minutes} minutes`
  if (minutes === 60) return 'hour'
  if (minutes < 1440) return `${minutes / 60} hours`
  return minutes === 1440 ? 'day' : `${minutes / 1440} days`
}
