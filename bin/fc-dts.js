#!/usr/bin/env node
// The fc-dts command: TypeScript sources run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
