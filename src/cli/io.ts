// The IO object every command receives. Commands never touch process.stdout/stderr directly, so tests
// capture output by building a test IO. Data goes to stdout; notes, warnings and progress go to stderr.
import type { ChalkInstance } from 'chalk';

/**
 * chalk is imported only when a command runs or an error is printed (io.loadColors()), so that
 * `flink --help` does not pay for it. Until then, colour functions return the text unchanged.
 */
const plain: ChalkInstance = new Proxy((() => {}) as unknown as ChalkInstance, {
  get: (_target, prop) => (prop === 'level' ? 0 : plain),
  apply: (_target, _this, args: unknown[]) => args.join(' '),
});

export interface TextSink {
  write(chunk: string): unknown;
}

export interface Spinner {
  /** Replace the spinner text (progress). */
  update(text: string): void;
  /** Stop and leave a final line on stderr (only if the spinner was visible, else the line is printed plainly). */
  succeed(text?: string): void;
  fail(text?: string): void;
  /** Stop and clear, leaving nothing behind. */
  stop(): void;
}

export interface OutputMode {
  json: boolean;
  quiet: boolean;
  debug: boolean;
  color: boolean;
  /** --header: piped tables start with a line naming the columns. */
  header?: boolean;
  /** --human: tables as on a terminal (aligned, units) even when piped. */
  human?: boolean;
}

export interface IO {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly isStdoutTTY: boolean;
  readonly isStderrTTY: boolean;
  /** The terminal's width on stdout (undefined when unknown or not a terminal): tables fit it. */
  readonly stdoutColumns?: number;
  /** True when running under CI (the CI environment variable is set). */
  readonly ci: boolean;
  readonly mode: OutputMode;
  /** Colours for text written to stdout / stderr (level 0 when that stream is not a colour terminal). */
  readonly out: ChalkInstance;
  readonly err: ChalkInstance;
  /** Whether tables and values are shown for a person (stdout is a terminal, or --human). */
  readonly humanOutput: boolean;
  /** Whether animated progress may be shown: stderr is a TTY, not --json, not CI, not --quiet. */
  readonly canAnimate: boolean;
  /** One line of data on stdout. */
  print(line: string): void;
  /** A note on stderr (suppressed by --quiet). */
  note(line: string): void;
  /**
   * A progress line as Flink's CLI prints it ("Triggering savepoint for job ...", "Waiting for response..."):
   * on stderr for a person, never with --json (the document says what happened) or --quiet.
   */
  progress(line: string): void;
  /** A warning on stderr (shown even with --quiet: it may change what the user should do). */
  warn(line: string): void;
  /** Loads chalk and enables colour where the streams support it (idempotent). */
  loadColors(): Promise<void>;
  /** Starts a spinner on stderr; a silent no-op object when canAnimate is false. */
  spinner(text: string): Promise<Spinner>;
  setMode(mode: Partial<OutputMode>): void;
}

interface IOInit {
  stdout: TextSink;
  stderr: TextSink;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  ci: boolean;
  /** stderr's terminal size now (0 or undefined when unknown, e.g. a 0x0 pty in some CI runners). */
  stderrSize?: () => { columns?: number; rows?: number };
  /** stdout's terminal width now (0 or undefined when unknown). */
  stdoutColumns?: () => number | undefined;
  /** Colour levels per stream; computed by chalk's detection when not given (the real process). */
  colorLevels?: () => Promise<{ stdout: 0 | 1 | 2 | 3; stderr: 0 | 1 | 2 | 3 }>;
  createSpinner?: (text: string, stream: TextSink) => Promise<Spinner>;
}

const silentSpinner: Spinner = { update() {}, succeed() {}, fail() {}, stop() {} };

class StreamIO implements IO {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly isStdoutTTY: boolean;
  readonly isStderrTTY: boolean;
  readonly ci: boolean;
  mode: OutputMode = { json: false, quiet: false, debug: false, color: true };
  out: ChalkInstance = plain;
  err: ChalkInstance = plain;
  private readonly init: IOInit;
  private colors?: { Chalk: typeof import('chalk').Chalk; stdout: 0 | 1 | 2 | 3; stderr: 0 | 1 | 2 | 3 };

  constructor(init: IOInit) {
    this.init = init;
    this.stdout = init.stdout;
    this.stderr = init.stderr;
    this.isStdoutTTY = init.isStdoutTTY;
    this.isStderrTTY = init.isStderrTTY;
    this.ci = init.ci;
  }

  async loadColors(): Promise<void> {
    if (!this.colors) {
      const chalk = await import('chalk');
      const levels = this.init.colorLevels
        ? await this.init.colorLevels()
        : { stdout: levelOf(chalk.supportsColor), stderr: levelOf(chalk.supportsColorStderr) };
      this.colors = { Chalk: chalk.Chalk, ...levels };
    }
    this.applyColors();
  }

  private applyColors(): void {
    if (!this.colors) return;
    const on = this.mode.color;
    this.out = new this.colors.Chalk({ level: on ? this.colors.stdout : 0 });
    this.err = new this.colors.Chalk({ level: on ? this.colors.stderr : 0 });
  }

  get stdoutColumns(): number | undefined {
    const columns = this.init.stdoutColumns?.();
    return columns !== undefined && columns > 0 ? columns : undefined;
  }

  get humanOutput(): boolean {
    return this.isStdoutTTY || Boolean(this.mode.human);
  }

  get canAnimate(): boolean {
    // A terminal of zero or unknown size gets plain output: a spinner's line arithmetic divides by the width.
    const size = this.init.stderrSize?.() ?? { columns: 80, rows: 24 };
    const sized = (size.columns ?? 0) > 0 && (size.rows ?? 0) > 0;
    return this.isStderrTTY && sized && !this.ci && !this.mode.json && !this.mode.quiet;
  }

  setMode(mode: Partial<OutputMode>): void {
    this.mode = { ...this.mode, ...mode };
    this.applyColors();
  }

  print(line: string): void {
    this.stdout.write(line + '\n');
  }

  note(line: string): void {
    if (!this.mode.quiet) this.stderr.write(line + '\n');
  }

  progress(line: string): void {
    if (!this.mode.json) this.note(line);
  }

  warn(line: string): void {
    // A line that carries its own label (Flink's "DEPRECATION WARNING: ...") is not labelled twice.
    const label = /^[A-Z ]*WARNING:/.test(line) ? '' : this.err.yellow('Warning: ');
    this.stderr.write(label + line + '\n');
  }

  async spinner(text: string): Promise<Spinner> {
    if (!this.canAnimate) return silentSpinner;
    const create = this.init.createSpinner ?? createOraSpinner;
    return create(text, this.stderr);
  }
}

async function createOraSpinner(text: string, stream: TextSink): Promise<Spinner> {
  const [{ default: ora }, { onInterrupt }] = await Promise.all([import('ora'), import('./interrupt.js')]);
  // discardStdin off: ora would put stdin in raw mode, where Ctrl-C sends no SIGINT.
  const spinner = ora({ text, stream: stream as NodeJS.WritableStream, isEnabled: true, discardStdin: false }).start();
  // A signal stops the spinner first, so the cursor is shown again and the line is cleared.
  const forget = onInterrupt(() => spinner.stop());
  return {
    update: (t) => {
      spinner.text = t;
    },
    succeed: (t) => {
      forget();
      spinner.succeed(t);
    },
    fail: (t) => {
      forget();
      spinner.fail(t);
    },
    stop: () => {
      forget();
      spinner.stop();
    },
  };
}

function levelOf(support: false | { level: number }): 0 | 1 | 2 | 3 {
  return support ? (support.level as 0 | 1 | 2 | 3) : 0;
}

/** The IO of the real process. chalk's detection honours NO_COLOR, FORCE_COLOR and TTY-ness per stream. */
export function createSystemIO(): IO {
  return new StreamIO({
    stdout: process.stdout,
    stderr: process.stderr,
    isStdoutTTY: Boolean(process.stdout.isTTY),
    isStderrTTY: Boolean(process.stderr.isTTY),
    ci: isCI(process.env),
    stderrSize: () => ({ columns: process.stderr.columns, rows: process.stderr.rows }),
    stdoutColumns: () => (process.stdout.isTTY ? process.stdout.columns : undefined),
  });
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

export interface TestIO extends IO {
  stdoutText(): string;
  stderrText(): string;
  spinnerEvents: string[];
}

/** An IO that keeps what a command prints (no terminal): how the dashboard runs commands. */
export function createBufferIO(): IO & { stdoutText(): string; stderrText(): string } {
  let out = '';
  let err = '';
  const io = new StreamIO({
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isStdoutTTY: false,
    isStderrTTY: false,
    ci: false,
    colorLevels: async () => ({ stdout: 0, stderr: 0 }),
  });
  return Object.assign(io, { stdoutText: () => out, stderrText: () => err });
}

/** An IO that records everything, for tests. `tty` makes both streams look like colour terminals. */
export function createTestIO(options: { tty?: boolean; ci?: boolean; size?: { columns: number; rows: number } } = {}): TestIO {
  const tty = options.tty ?? false;
  let out = '';
  let err = '';
  const spinnerEvents: string[] = [];
  const io = new StreamIO({
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    isStdoutTTY: tty,
    isStderrTTY: tty,
    ci: options.ci ?? false,
    stderrSize: () => options.size ?? (tty ? { columns: 80, rows: 24 } : {}),
    stdoutColumns: () => (tty ? (options.size?.columns ?? 80) : undefined),
    colorLevels: async () => (tty ? { stdout: 1, stderr: 1 } : { stdout: 0, stderr: 0 }),
    createSpinner: async (text) => {
      spinnerEvents.push(`start:${text}`);
      return {
        update: (t) => spinnerEvents.push(`update:${t}`),
        succeed: (t) => spinnerEvents.push(`succeed:${t ?? ''}`),
        fail: (t) => spinnerEvents.push(`fail:${t ?? ''}`),
        stop: () => spinnerEvents.push('stop'),
      };
    },
  });
  return Object.assign(io, {
    stdoutText: () => out,
    stderrText: () => err,
    spinnerEvents,
  }) as TestIO;
}
