// Builds the training bench page (scripts/bench/page/index.html) with the app's own config, into
// bench/dist, so the studio's build stays the studio alone.
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import app from '../../vite.config';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default mergeConfig(app, {
  build: {
    outDir: `${root}bench/dist`,
    emptyOutDir: true,
    rollupOptions: { input: fileURLToPath(new URL('page/index.html', import.meta.url)) },
  },
});
