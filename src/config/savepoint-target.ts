// The savepoint target directory chain (FLIP-10's "ad-hoc value has precedence over the default"), pure.
//   1. the ad-hoc path given for this one operation
//   2. execution.checkpointing.savepoint-dir (Flink 2) or state.savepoints.dir (FLIP-10); the Flink 2 name wins
//   3. savepoints.state.backend.fs.dir, deprecated: used with a warning, ignored when step 2 is set
//   4. nothing: the request goes out without a directory and the cluster's own default applies
import { SAVEPOINT_DIR, SAVEPOINT_DIR_DEPRECATED, SAVEPOINT_DIR_FLIP10 } from './keys.js';
import type { ResolvedConfig } from './resolve.js';
import { describeOrigin, type Origin, type RawEntry } from './types.js';

export type ChainStepNumber = 1 | 2 | 3 | 4;

export interface ChainCandidate {
  step: ChainStepNumber;
  /** The key, or a description of the ad-hoc argument / cluster default. */
  name: string;
  value?: string;
  origin?: Origin;
  outcome: 'used' | 'not set' | 'shadowed' | 'ignored' | 'not needed';
  reason?: string;
}

export interface SavepointTarget {
  /** The directory to send, or undefined when the cluster's default applies (step 4). */
  directory?: string;
  origin?: Origin;
  step: ChainStepNumber;
  candidates: ChainCandidate[];
  warnings: string[];
}

export interface AdHocPath {
  path: string;
  /** How the user gave it, e.g. "argument <targetDirectory>" or "--savepointPath". */
  what: string;
}

const USE_INSTEAD = `use '${SAVEPOINT_DIR}' (or '${SAVEPOINT_DIR_FLIP10}') instead`;

export function resolveSavepointTarget(config: ResolvedConfig, adHoc?: AdHocPath): SavepointTarget {
  const flink2 = config.lookup(SAVEPOINT_DIR);
  const flip10 = config.lookup(SAVEPOINT_DIR_FLIP10);
  const deprecated = config.lookup(SAVEPOINT_DIR_DEPRECATED);
  const step2 = flink2 ?? flip10;
  const warnings: string[] = [];
  const candidates: ChainCandidate[] = [];

  let winner: { step: ChainStepNumber; value?: string; origin?: Origin };
  if (adHoc) winner = { step: 1, value: adHoc.path, origin: { kind: 'ad-hoc', what: adHoc.what } };
  else if (step2) winner = { step: 2, value: step2.value, origin: step2.origin };
  else if (deprecated) winner = { step: 3, value: deprecated.value, origin: deprecated.origin };
  else winner = { step: 4 };

  candidates.push(
    adHoc
      ? { step: 1, name: adHoc.what, value: adHoc.path, origin: winner.origin, outcome: 'used' }
      : { step: 1, name: 'path given for this operation', outcome: 'not set' },
  );

  candidates.push(step2Candidate(SAVEPOINT_DIR, flink2, winner.step === 2 && step2 === flink2, adHoc !== undefined));
  const flip10Shadowed = flink2 !== undefined && flip10 !== undefined;
  candidates.push(
    flip10Shadowed
      ? {
          step: 2,
          name: SAVEPOINT_DIR_FLIP10,
          value: flip10.value,
          origin: flip10.origin,
          outcome: 'shadowed',
          reason: flip10.value === flink2.value ? `same value as '${SAVEPOINT_DIR}'` : `'${SAVEPOINT_DIR}' is also set and wins`,
        }
      : step2Candidate(SAVEPOINT_DIR_FLIP10, flip10, winner.step === 2 && step2 === flip10, adHoc !== undefined),
  );
  if (flink2 && flip10 && flink2.value !== flip10.value) {
    warnings.push(
      `Both '${SAVEPOINT_DIR}' (${flink2.value}, ${describeOrigin(flink2.origin)}) and '${SAVEPOINT_DIR_FLIP10}' ` +
        `(${flip10.value}, ${describeOrigin(flip10.origin)}) are set and differ; '${SAVEPOINT_DIR}' wins.`,
    );
  }

  if (!deprecated) {
    candidates.push({ step: 3, name: `${SAVEPOINT_DIR_DEPRECATED} (deprecated)`, outcome: 'not set' });
  } else if (winner.step === 3) {
    candidates.push({ step: 3, name: `${SAVEPOINT_DIR_DEPRECATED} (deprecated)`, value: deprecated.value, origin: deprecated.origin, outcome: 'used' });
    warnings.push(
      `Config key '${SAVEPOINT_DIR_DEPRECATED}' (${describeOrigin(deprecated.origin)}) is deprecated; ${USE_INSTEAD}. Using its value ${deprecated.value}.`,
    );
  } else if (step2) {
    const by = flink2 ? SAVEPOINT_DIR : SAVEPOINT_DIR_FLIP10;
    candidates.push({
      step: 3,
      name: `${SAVEPOINT_DIR_DEPRECATED} (deprecated)`,
      value: deprecated.value,
      origin: deprecated.origin,
      outcome: 'ignored',
      reason: `'${by}' is set`,
    });
    warnings.push(
      `Config key '${SAVEPOINT_DIR_DEPRECATED}' (${describeOrigin(deprecated.origin)}) is deprecated and was ignored because '${by}' is set; remove it.`,
    );
  } else {
    candidates.push({
      step: 3,
      name: `${SAVEPOINT_DIR_DEPRECATED} (deprecated)`,
      value: deprecated.value,
      origin: deprecated.origin,
      outcome: 'ignored',
      reason: 'the path given for this operation wins',
    });
    warnings.push(
      `Config key '${SAVEPOINT_DIR_DEPRECATED}' (${describeOrigin(deprecated.origin)}) is deprecated; ${USE_INSTEAD}. It was not used: the path given for this operation wins.`,
    );
  }

  candidates.push(
    winner.step === 4
      ? {
          step: 4,
          name: "the cluster's default",
          outcome: 'used',
          reason: 'no directory is sent; the cluster uses its own execution.checkpointing.savepoint-dir',
        }
      : { step: 4, name: "the cluster's default", outcome: 'not needed' },
  );

  return { directory: winner.value, origin: winner.origin, step: winner.step, candidates, warnings };
}

function step2Candidate(name: string, entry: RawEntry | undefined, used: boolean, adHoc: boolean): ChainCandidate {
  if (!entry) return { step: 2, name, outcome: 'not set' };
  if (used) return { step: 2, name, value: entry.value, origin: entry.origin, outcome: 'used' };
  return { step: 2, name, value: entry.value, origin: entry.origin, outcome: 'shadowed', reason: adHoc ? 'the path given for this operation wins' : undefined };
}

/** The hint for the cluster's "no default savepoint directory" error (step 4 with nothing on the cluster). */
export const NO_SAVEPOINT_DIR_HINT =
  `Give a directory (flink savepoint <jobId> <dir>), or set '${SAVEPOINT_DIR}' (or '${SAVEPOINT_DIR_FLIP10}') ` +
  "in your configuration or with -D, or in the cluster's configuration.";
