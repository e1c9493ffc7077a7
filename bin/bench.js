#!/usr/bin/env node
// `npm run bench`: the benchmarks, printed as JSON on stdout.
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');
