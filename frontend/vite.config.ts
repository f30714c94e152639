import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig(({ mode }) => ({
	plugins: [svelte()],
	build: {
		// The strict CSP allows data: for images only; never inline assets so no font,
		// script or style ever arrives as a data: URL, and every file lands under /assets/.
		assetsInlineLimit: 0
	},
	// For `npm run dev`: the API of a `cloison serve` running with its default address.
	server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
	// Vitest runs the client build of Svelte (runes need it) in a DOM-like environment.
	resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
	test: {
		environment: 'happy-dom',
		environmentOptions: {
			happyDOM: {
				// A real origin, so URLs, history and same-origin checks behave as in the browser.
				url: 'http://127.0.0.1:8080/',
				// A link the SPA lets through must not make the test load a page from anywhere.
				settings: {
					navigation: {
						disableMainFrameNavigation: true,
						disableChildFrameNavigation: true,
						disableChildPageNavigation: true
					}
				}
			}
		},
		include: ['tests/unit/**/*.test.ts']
	}
}));
