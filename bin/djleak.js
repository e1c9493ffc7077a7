#!/usr/bin/env node
// The CLI runs the engine's TypeScript sources directly through tsx: no build step between a checkout and
// `npx djleak`. The Electron app bundles the same sources with electron-vite.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
