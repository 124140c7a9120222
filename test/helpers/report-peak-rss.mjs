// Preloaded into a test's child process (NODE_OPTIONS=--import …): prints the process's peak resident
// set size when it exits, for tests that bound the memory of processes they do not run themselves.
process.on('exit', () => process.stderr.write(`peak rss ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB\n`));
