/**
 * Bundles each Function Compute function into one CommonJS file (docs/architecture.md §5.3):
 * `dist/functions/<name>/index.js` (+ `index.js.map`, and a package.json saying CommonJS) with every
 * npm dependency inlined, FC's Node.js runtime loading `index.handler`. The task file is not bundled:
 * it is validated and copied beside each bundle as `task.yaml` (FC mounts the code at /code, so
 * DTS_TASK_FILE=/code/task.yaml) and to `dist/task.yaml` for the binlog-reader image
 * (infra/binlog-reader/Dockerfile).
 *
 *   node --import tsx scripts/bundle.ts --task task.yaml [--out dist]
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { stringify } from 'yaml';
import { isFcDtsError } from '../shared/errors.ts';
import { parseTaskText } from '../shared/task/task-file.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** What the shipped copy of the task file is called, beside each bundle and in dist/. */
export const TASK_FILE_NAME = 'task.yaml';

export interface BundleOptions {
  /** The task file (YAML or JSON) to ship with the functions. */
  readonly taskFile: string;
  /** Output directory; default `dist` in the repository. */
  readonly outDir?: string;
  /** Only these functions (folder names under functions/); default all. */
  readonly only?: readonly string[];
}

export interface BundledFunction {
  readonly name: string;
  /** The folder s.yaml's `code` points at. */
  readonly dir: string;
  readonly file: string;
  readonly bytes: number;
}

export interface BundleResult {
  readonly functions: readonly BundledFunction[];
  /** The `${NAME}` variables the task file refers to: each must be set in every function's environment. */
  readonly taskVariables: readonly string[];
  readonly warnings: readonly string[];
}

/** The function folders: every `functions/<name>/index.ts`. */
export function functionNames(root = ROOT): string[] {
  const dir = join(root, 'functions');
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'index.ts')))
    .sort();
}

export async function bundleFunctions(options: BundleOptions): Promise<BundleResult> {
  const outDir = resolve(options.outDir ?? join(ROOT, 'dist'));
  const task = shippableTask(resolve(options.taskFile));
  const names = options.only ? [...options.only] : functionNames();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, TASK_FILE_NAME), task.text);

  const warnings: string[] = [];
  const functions: BundledFunction[] = [];
  // One build per function, in parallel: esbuild shares its service across calls.
  await Promise.all(
    names.map(async (name) => {
      const entry = join(ROOT, 'functions', name, 'index.ts');
      if (!existsSync(entry)) throw new Error(`no function ${name}: ${relative(ROOT, entry)} does not exist`);
      const dir = join(outDir, 'functions', name);
      rmSync(dir, { recursive: true, force: true });
      const file = join(dir, 'index.js');
      const result = await build({
        entryPoints: [entry],
        outfile: file,
        bundle: true,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        minify: false,
        sourcemap: 'linked',
        sourcesContent: false,
        logLevel: 'silent',
        // esbuild leaves import.meta empty in CommonJS; the bundle's own URL is what ESM code expects.
        define: { 'import.meta.url': '__fc_dts_import_meta_url' },
        banner: { js: "var __fc_dts_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
        plugins: [mnsModernEntry, protobufOptionalModules],
      });
      for (const w of result.warnings) warnings.push(`${name}: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ''}`);
      copyFileSync(join(outDir, TASK_FILE_NAME), join(dir, TASK_FILE_NAME));
      // Inside this repository ("type": "module") Node would load index.js as ESM; FC's /code has no package.json.
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
      functions.push({ name, dir, file, bytes: statSync(file).size });
    }),
  );
  functions.sort((a, b) => a.name.localeCompare(b.name));
  return { functions, taskVariables: task.variables, warnings };
}

/**
 * @alicloud/mns's index.js picks lib/ or a Babel build (es5/, needing babel-runtime, not installed) at
 * run time; a bundle would follow both. Node 20 takes lib/, so the bundle does too.
 */
const mnsModernEntry: Plugin = {
  name: 'alicloud-mns-entry',
  setup(b) {
    b.onResolve({ filter: /^@alicloud\/mns$/ }, (args) => b.resolve('@alicloud/mns/lib/client.js', { resolveDir: args.resolveDir, kind: args.kind }));
  },
};

/**
 * protobufjs (the tablestore SDK's codec) finds `long` through @protobufjs/inquire, a require with a
 * computed name that a bundle cannot follow: without it, int64 fields silently decode to lossy
 * numbers instead of Longs. This replaces inquire with literal requires esbuild can bundle.
 */
const protobufOptionalModules: Plugin = {
  name: 'protobufjs-inquire',
  setup(b) {
    b.onLoad({ filter: /[\\/]@protobufjs[\\/]inquire[\\/]index\.js$/ }, () => ({
      loader: 'js',
      contents: [
        '"use strict";',
        'module.exports = function inquire(name) {',
        '  switch (name) {',
        '    case "long": return require("long");',
        '    case "buffer": return require("node:buffer");',
        '    case "fs": return require("node:fs");',
        '    default: return null;',
        '  }',
        '};',
      ].join('\n'),
    }));
  },
};

/** The task file checked (structure, with placeholders for its `${NAME}` secrets) and as the YAML text to ship. */
function shippableTask(path: string): { text: string; variables: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the task file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): pass --task <file>`, { cause: e });
  }
  const variables = [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))].sort();
  // Secrets are not known here and must not be: any value validates the file's shape.
  const placeholders: NodeJS.ProcessEnv = Object.fromEntries(variables.map((v) => [v, '1']));
  parseTaskText(text, path, placeholders);
  // JSON is shipped as the equivalent YAML, so every deployment reads one file name.
  return { text: path.endsWith('.json') ? stringify(JSON.parse(text)) : text, variables };
}

function parseArgs(argv: readonly string[]): BundleOptions {
  let taskFile: string | undefined;
  let outDir: string | undefined;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--task') taskFile = value();
    else if (a === '--out') outDir = value();
    else if (a === '--only') only.push(value());
    else throw new Error(`unknown argument ${a} (usage: bundle.ts --task <task file> [--out dist] [--only <function>])`);
  }
  taskFile ??= existsSync('task.yaml') ? 'task.yaml' : undefined;
  if (!taskFile) throw new Error('no task file: pass --task <file> (it ships beside each function as task.yaml)');
  return { taskFile, ...(outDir ? { outDir } : {}), ...(only.length ? { only } : {}) };
}

async function main(): Promise<void> {
  const started = Date.now();
  const result = await bundleFunctions(parseArgs(process.argv.slice(2)));
  for (const f of result.functions) console.log(`${relative(process.cwd(), f.file).padEnd(42)} ${(f.bytes / 1024 / 1024).toFixed(2).padStart(6)} MB`);
  for (const w of result.warnings) console.warn(`warning: ${w}`);
  if (result.taskVariables.length) {
    console.log(`the task file refers to ${result.taskVariables.map((v) => `\${${v}}`).join(', ')}: set them in every function's and the reader's environmentVariables (s.yaml)`);
  }
  console.log(`${result.functions.length} functions bundled in ${((Date.now() - started) / 1000).toFixed(1)} s; task file shipped as ${TASK_FILE_NAME}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(isFcDtsError(e) ? `${e.message}${e.fix ? `\nfix: ${e.fix}` : ''}` : e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}

