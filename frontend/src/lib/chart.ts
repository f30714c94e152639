// The small bar charts the SPA draws itself (SVG, no library): the geometry only, so it can
// be tested without a browser.

/** One bar of a chart: its label's key, its value and where it is drawn. */
export interface Bar<K extends string> {
	key: K;
	value: number;
	/** Row position: top edge of the bar, in the chart's units. */
	y: number;
	/** Length of the bar, in the chart's units: 0 for nothing, at least minLength for anything. */
	length: number;
}

export interface BarLayout<K extends string> {
	bars: Bar<K>[];
	/** Height of the whole chart. */
	height: number;
	/** The largest value, which spans the whole width. */
	max: number;
}

/**
 * Lays out horizontal bars, one row per key in the given order (those with no value left
 * out), each as long as its value relative to the largest, which spans width. A value that
 * is not zero is drawn at least minLength long, so a small count next to a large one stays
 * visible.
 */
export function barLayout<K extends string>(
	values: Partial<Record<K, number>>,
	keys: readonly K[],
	{ width = 200, rowHeight = 20, gap = 6, minLength = 2 } = {}
): BarLayout<K> {
	const present = keys.filter((key) => (values[key] ?? 0) > 0);
	const max = Math.max(0, ...present.map((key) => values[key] ?? 0));
	const bars = present.map((key, index) => {
		const value = values[key] ?? 0;
		return { key, value, y: index * (rowHeight + gap), length: Math.max(minLength, (value / max) * width) };
	});
	const height = bars.length === 0 ? 0 : bars.length * rowHeight + (bars.length - 1) * gap;
	return { bars, height, max };
}

/** The sum of the values. */
export function totalOf(values: Partial<Record<string, number>>): number {
	return Object.values(values).reduce<number>((sum, value) => sum + (value ?? 0), 0);
}
