/**
 * The environment for a test's child processes: this one's, without the
 * hook tap adds to NODE_OPTIONS (`@tapjs/processinfo`, which records every
 * process for coverage; coverage is off unless asked for). It doubled the
 * start of every child (a CLI call: 0.55 s to 1.2 s), and the daemon tests
 * start about fifty.
 */
export function childEnv(): NodeJS.ProcessEnv {
  if (process.env.TAP_DISABLE_COVERAGE !== '1' || !process.env.NODE_OPTIONS) return process.env;
  const options = process.env.NODE_OPTIONS.split(/\s+/).filter((option) => !option.includes('@tapjs/processinfo'));
  return { ...process.env, NODE_OPTIONS: options.join(' ') };
}
