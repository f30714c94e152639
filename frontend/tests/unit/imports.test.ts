// The SPA's modules import one another without a circle: a circle (api.ts and the session it
// signs in, the route table and the pages it lists) makes the order modules load in matter,
// and a type-only import today becomes a value import tomorrow.
import { describe, expect, it } from 'vitest';

const sources = import.meta.glob<string>('../../src/**/*.{ts,svelte}', { query: '?raw', import: 'default', eager: true });

/** The file a relative import names, among the sources (an extensionless `./api` is `./api.ts`). */
function resolve(from: string, specifier: string): string | null {
	const parts = from.split('/').slice(0, -1);
	for (const part of specifier.split('/')) {
		if (part === '..') parts.pop();
		else if (part !== '.') parts.push(part);
	}
	const path = parts.join('/');
	return [path, `${path}.ts`].find((candidate) => candidate in sources) ?? null;
}

/** Every relative import of every source, type-only ones included. */
function importGraph(): Map<string, string[]> {
	const graph = new Map<string, string[]>();
	for (const [file, text] of Object.entries(sources)) {
		const targets = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)]
			.map((match) => resolve(file, match[1]))
			.filter((target): target is string => target !== null);
		graph.set(file, targets);
	}
	return graph;
}

/** The circles of graph, each as the files around it. */
function circles(graph: Map<string, string[]>): string[][] {
	const found: string[][] = [];
	const state = new Map<string, 'open' | 'done'>();
	const path: string[] = [];
	const visit = (file: string) => {
		state.set(file, 'open');
		path.push(file);
		for (const next of graph.get(file) ?? []) {
			if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
			else if (!state.has(next)) visit(next);
		}
		path.pop();
		state.set(file, 'done');
	};
	for (const file of graph.keys()) if (!state.has(file)) visit(file);
	return found;
}

describe('imports', () => {
	it('reads the sources and their imports', () => {
		const graph = importGraph();
		expect(graph.size).toBeGreaterThan(50);
		expect(graph.get('../../src/lib/api.ts')).toContain('../../src/lib/session.svelte.ts');
	});

	it('finds a circle where there is one', () => {
		const graph = new Map([
			['a', ['b']],
			['b', ['c']],
			['c', ['a']],
			['d', ['a']]
		]);
		expect(circles(graph)).toEqual([['a', 'b', 'c', 'a']]);
	});

	it('has no circle among the SPA’s modules', () => {
		expect(circles(importGraph())).toEqual([]);
	});
});
